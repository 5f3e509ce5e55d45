using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// What a revoking change can affect: the <see cref="Dependency"/> names it altered, or <see cref="Everything"/> when
/// that cannot be known. A cached decision is dropped when it depends on one of them (<see cref="Affects"/>), or when
/// it does not know what it depends on. An admin endpoint declares its change's reach with <see cref="Declare"/>; one
/// that declares nothing reaches everything (fail closed).
/// </summary>
public sealed class InvalidationReach
{
    private static readonly object ItemKey = new();

    private InvalidationReach(HashSet<string>? names) => Names = names;

    /// <summary>Every cached decision: a change whose reach is unknown.</summary>
    public static InvalidationReach Everything { get; } = new(null);

    /// <summary>Nothing cached: a change that revokes nothing (a new user, a new signing key).</summary>
    public static InvalidationReach Nothing { get; } = new([]);

    /// <summary>The names reached; null for <see cref="Everything"/>.</summary>
    public IReadOnlySet<string>? Names { get; }

    public bool IsEverything => Names is null;

    public static InvalidationReach Of(params IEnumerable<string> names) => new(new HashSet<string>(names, StringComparer.Ordinal));

    /// <summary>One reach for several changes applied together.</summary>
    public static InvalidationReach Union(IReadOnlyList<InvalidationReach> reaches) =>
        reaches.Any(reach => reach.IsEverything) ? Everything : Of(reaches.SelectMany(reach => reach.Names!));

    /// <summary>True when a decision depending on <paramref name="dependencies"/> (null: on anything) must be dropped.</summary>
    public bool Affects(IReadOnlyList<string>? dependencies)
    {
        if (Names is null || dependencies is null)
        {
            return true;
        }

        foreach (var dependency in dependencies)
        {
            if (Names.Contains(dependency))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Says what the change an endpoint is making reaches; the admin group's filter announces it.</summary>
    public static void Declare(HttpContext context, InvalidationReach reach) => context.Items[ItemKey] = reach;

    /// <summary>What the endpoint declared, else <see cref="Everything"/>.</summary>
    public static InvalidationReach DeclaredBy(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var reach) && reach is InvalidationReach declared ? declared : Everything;

    /// <summary>As Redis keeps and publishes it: a JSON array of names, or <c>*</c> for everything.</summary>
    public override string ToString() => Names is null ? "*" : JsonSerializer.Serialize(Names);

    public static bool TryParse(ReadOnlySpan<char> text, out InvalidationReach reach)
    {
        reach = Everything;
        if (text is "*")
        {
            return true;
        }

        try
        {
            if (JsonSerializer.Deserialize<string[]>(text) is { } names)
            {
                reach = Of(names);
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
