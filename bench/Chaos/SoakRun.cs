using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mnemosyne.Testing;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// The soak: the same steady load with no fault, for a set time, sampled at regular steps: calls per second, p50 and
/// p99 latency of that step, and each process's resident memory and open handles. Judged after a warm-up (the first
/// fifth): the last third of the steps against the first third. Memory may not grow by more than a quarter (plus
/// 32 MB of allocator slack), handles by more than a fifth (at least 16), p99 by more than twice (plus 10 ms); every
/// call must succeed and no process may write an error-level line.
/// </summary>
public static class SoakRun
{
    public sealed record SoakStep(double Second, int Calls, double CallsPerSecond, double P50, double P99, long[] ResidentBytes, int[] Handles);

    public static async Task<(ChaosRun.Row Row, string Table)> RunAsync(
        ChaosCluster cluster, IReadOnlyList<HttpClient> mcpHosts, int clients, TimeSpan duration, Action<string> progress)
    {
        var processes = cluster.Processes;
        var every = duration <= TimeSpan.FromMinutes(10) ? TimeSpan.FromSeconds(10) : TimeSpan.FromMinutes(1);
        var errorsBefore = processes.Select(p => p.ErrorLines).ToArray();
        var violations = new List<string>();
        var steps = new List<SoakStep>();
        var (total, failed, examples) = (0L, 0L, new List<ChaosLoad.LoadCall>());
        var started = Stopwatch.GetTimestamp();
        await using var load = ChaosLoad.Start(mcpHosts, cluster.Tokens, clients);
        try
        {
            for (var next = every; next <= duration; next += every)
            {
                await Task.Delay(next - Stopwatch.GetElapsedTime(started));
                var calls = load.Drain();
                total += calls.Count;
                var failures = calls.Where(c => c.Result.Outcome != ToolCall.Outcome.Ok).ToList();
                failed += failures.Count;
                examples.AddRange(failures.Take(3 - examples.Count));
                var latencies = calls.Select(c => (c.Result.Ended - c.Result.Started) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
                var samples = processes.Select(p => p.Sample()).ToArray();
                steps.Add(new SoakStep(Stopwatch.GetElapsedTime(started).TotalSeconds, calls.Count, calls.Count / every.TotalSeconds,
                    Percentile(latencies, 0.50), Percentile(latencies, 0.99), [.. samples.Select(s => s.ResidentBytes)], [.. samples.Select(s => s.Handles)]));
                progress($"  soak {steps[^1].Second:0} s: {steps[^1].CallsPerSecond:0} calls/s, p99 {steps[^1].P99:0.0} ms");
            }
        }
        finally
        {
            await load.StopAsync();
        }

        if (failed > 0)
        {
            violations.Add($"{failed} of {total} calls did not succeed, e.g. " +
                           string.Join("; ", examples.Select(c => $"mcp-host-{c.Host} {c.Kind} {c.Result.Outcome} {c.Result.Detail}")));
        }

        for (var i = 0; i < processes.Count; i++)
        {
            var written = processes[i].ErrorLines - errorsBefore[i];
            if (written > 0)
            {
                violations.Add($"{processes[i].Name} wrote {written} error-level lines, e.g. {string.Join(" | ", processes[i].RecentErrors().TakeLast(2))}");
            }
        }

        var (first, last) = Thirds(steps);
        for (var i = 0; i < processes.Count; i++)
        {
            var (memoryBefore, memoryAfter) = (first.Max(s => s.ResidentBytes[i]), last.Max(s => s.ResidentBytes[i]));
            if (memoryAfter > memoryBefore * 1.25 + (32 << 20))
            {
                violations.Add($"{processes[i].Name}: memory grew from {Megabytes(memoryBefore)} to {Megabytes(memoryAfter)} MB");
            }

            var (handlesBefore, handlesAfter) = (first.Max(s => s.Handles[i]), last.Max(s => s.Handles[i]));
            if (handlesAfter > handlesBefore + Math.Max(16, handlesBefore / 5))
            {
                violations.Add($"{processes[i].Name}: open handles grew from {handlesBefore} to {handlesAfter}");
            }
        }

        var (p99Before, p99After) = (first.Max(s => s.P99), last.Max(s => s.P99));
        if (p99After > 2 * p99Before + 10)
        {
            violations.Add($"p99 grew from {p99Before:0.0} to {p99After:0.0} ms");
        }

        var row = new ChaosRun.Row($"soak, {duration.TotalMinutes:0.#} min of steady load",
            "memory and handles flat, p99 stable, every call succeeds, no error-level log lines",
            $"{total} calls; memory {Range(first, last, s => s.ResidentBytes.Sum(), b => Megabytes(b) + " MB")} (all four processes); " +
            $"handles {Range(first, last, s => s.Handles.Sum(), h => h.ToString(CultureInfo.InvariantCulture))}; " +
            $"p99 {p99Before:0.0} → {p99After:0.0} ms; {processes.Sum(p => p.ErrorLines) - errorsBefore.Sum()} error lines",
            violations);
        return (row, Table(processes, steps));
    }

    /// <summary>The steps after the warm-up's first fifth, split into their first and last thirds.</summary>
    private static (List<SoakStep> First, List<SoakStep> Last) Thirds(List<SoakStep> steps)
    {
        var settled = steps.Skip(Math.Max(1, steps.Count / 5)).ToList();
        var third = Math.Max(1, settled.Count / 3);
        return ([.. settled.Take(third)], [.. settled.TakeLast(third)]);
    }

    private static string Range(List<SoakStep> first, List<SoakStep> last, Func<SoakStep, long> value, Func<long, string> format) =>
        $"{format(first.Max(value))} → {format(last.Max(value))}";

    private static string Table(IReadOnlyList<ServiceProcess> processes, List<SoakStep> steps)
    {
        var table = new StringBuilder("| s | calls/s | p50 ms | p99 ms | " + string.Join(" | ", processes.Select(p => p.Name + " MB / handles")) + " |\n");
        table.Append("| ---: | ---: | ---: | ---: | " + string.Join(" | ", processes.Select(_ => "---:")) + " |\n");
        foreach (var step in steps)
        {
            table.Append(CultureInfo.InvariantCulture, $"| {step.Second:0} | {step.CallsPerSecond:0} | {step.P50:0.0} | {step.P99:0.0} | ")
                .AppendJoin(" | ", step.ResidentBytes.Select((b, i) => $"{Megabytes(b)} / {step.Handles[i]}")).Append(" |\n");
        }

        return table.ToString();
    }

    private static string Megabytes(long bytes) => (bytes >> 20).ToString(CultureInfo.InvariantCulture);

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Ceiling(p * sorted.Length) - 1];
}
