namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// What the auth middleware resolved for this request, handed to the tools through the HttpContext.
/// No scope attached means nothing is visible (fail closed).
/// </summary>
public sealed record CallerScope(string Principal, IReadOnlyList<string> Libraries)
{
    private static readonly object Key = new();

    public static IReadOnlyList<string> LibrariesOf(HttpContext? context) =>
        context?.Items.TryGetValue(Key, out var scope) == true && scope is CallerScope caller ? caller.Libraries : [];

    public void AttachTo(HttpContext context) => context.Items[Key] = this;
}
