using System.Globalization;
using System.Text;

namespace Mnemosyne.Bench;

/// <summary>
/// The load run's table: each kind against its reference (churn against <see cref="LoadRun.Crowd"/>, every other kind
/// against the baseline), as ratios and added milliseconds, all taken from the reference's slices paired with the
/// kind's. The ratio is the median of the rounds' ratios, with the lowest and the highest round beside it: the median
/// leaves out up to two slow rounds of five, on the reference's side as on the kind's. The percentiles are over all
/// of a row's calls; a reference's own row (no ratio) pools all its slices.
/// </summary>
public static class Report
{
    public static string Table(IReadOnlyList<Measurement> results)
    {
        var table = new StringBuilder();
        Row(table, "kind", "calls", "calls/s", "x baseline", "rounds", "p50 ms", "+p50 ms", "p99 ms", "+p99 ms");
        foreach (var r in results)
        {
            var ratios = r.Reference?.RoundRatios.Order().ToList();
            Row(table, r.Kind, N(r.Calls, "0"), N(r.CallsPerSecond, "0"),
                ratios is null ? "" : N(Median(ratios), "0.00"),
                ratios is null ? "" : $"{N(ratios[0], "0.00")}–{N(ratios[^1], "0.00")}",
                N(r.P50Milliseconds, "0.00"), r.Reference is null ? "" : Added(r.P50Milliseconds - r.Reference.P50Milliseconds),
                N(r.P99Milliseconds, "0.00"), r.Reference is null ? "" : Added(r.P99Milliseconds - r.Reference.P99Milliseconds));
        }

        return table.ToString();
    }

    private static string Added(double milliseconds) => N(milliseconds, "+0.00;-0.00;0.00");

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1
        ? sorted[sorted.Count / 2]
        : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void Row(StringBuilder table, params string[] cells) =>
        table.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(8) : c.PadLeft(9))) + " |");
}
