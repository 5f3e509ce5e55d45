using System.Globalization;
using System.Text;

namespace Mnemosyne.Bench;

/// <summary>The load run's table: each kind against the baseline, as ratios and added milliseconds.</summary>
public static class Report
{
    public static string Table(IReadOnlyList<Measurement> results)
    {
        var baseline = results.Single(r => r.Kind == LoadRun.Baseline);
        var table = new StringBuilder();
        Row(table, "kind", "calls", "calls/s", "x baseline", "p50 ms", "+p50 ms", "p99 ms", "+p99 ms");
        foreach (var r in results)
        {
            var isBaseline = r == baseline;
            Row(table, r.Kind, N(r.Calls, "0"), N(r.CallsPerSecond, "0"),
                isBaseline ? "1.00" : N(r.CallsPerSecond / baseline.CallsPerSecond, "0.00"),
                N(r.P50Milliseconds, "0.00"), isBaseline ? "" : N(r.P50Milliseconds - baseline.P50Milliseconds, "+0.00;-0.00;0.00"),
                N(r.P99Milliseconds, "0.00"), isBaseline ? "" : N(r.P99Milliseconds - baseline.P99Milliseconds, "+0.00;-0.00;0.00"));
        }

        return table.ToString();
    }

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void Row(StringBuilder table, params string[] cells) =>
        table.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(8) : c.PadLeft(9))) + " |");
}
