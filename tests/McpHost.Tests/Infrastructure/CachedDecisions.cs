using System.Collections;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// The entries of an mcp-host's decision cache, read from the cache itself (by SHA-256 of the bearer), for the tests
/// that must see what it holds rather than infer it from timings or counters.
/// </summary>
public static class CachedDecisions
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    public static IDictionary Of(TestHost host)
    {
        var cache = typeof(DecisionCache).GetField("_cache", Private)!.GetValue(host.Services.GetRequiredService<DecisionCache>())!;
        return (IDictionary)cache.GetType().GetField("_entries", Private)!.GetValue(cache)!;
    }

    /// <summary>What is cached for <paramref name="bearer"/> (an object that is new each time it is stored), or null.</summary>
    public static object? EntryOf(TestHost host, string bearer) => Of(host)[BearerHash.Of(bearer)];

    /// <summary>What an entry's decision depends on (<c>Dependency</c> names), as the cache holds it.</summary>
    public static IReadOnlyList<string>? DependsOnOf(object entry) =>
        (IReadOnlyList<string>?)entry.GetType().GetProperty("DependsOn")!.GetValue(entry);
}
