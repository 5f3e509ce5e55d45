using OpenTelemetry;

namespace Mnemosyne.AuthService;

/// <summary>
/// Runs background database work without tracing it: a span per tick would bury the dashboard's Traces page. Only
/// the work itself is suppressed — suppression also drops OpenTelemetry logs, so logging stays outside.
/// </summary>
public static class Untraced
{
    public static async Task RunAsync(Func<Task> work)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        await work();
    }

    public static async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        return await work();
    }
}
