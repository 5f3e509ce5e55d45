using System.Globalization;
using System.Text;

namespace Mnemosyne.Bench;

/// <summary>
/// The load run's table: each kind against the baseline, as ratios and added milliseconds. The ratio is the median
/// of the rounds' ratios — in each round, the kind's slice against the baseline's slices of that round — with the
/// lowest and the highest round beside it. Pooled (a kind's calls over all its slices against the baseline's, which
/// calls/s still allows), one slow slice, a fifth of a kind's time, moved a kind and the A/A row by a tenth, more
/// than the distance to a target (benchmark.md, "How far one run can be trusted"); the median leaves out up to two
/// slow rounds of five, on the baseline's side as on the kind's. The percentiles are over all slices' calls.
/// </summary>
public static class Report
{
    public static string Table(IReadOnlyList<Measurement> results)
    {
        var baseline = results.Single(r => r.Kind == LoadRun.Baseline);
        var table = new StringBuilder();
        Row(table, "kind", "calls", "calls/s", "x baseline", "rounds", "p50 ms", "+p50 ms", "p99 ms", "+p99 ms");
        foreach (var r in results)
        {
            var isBaseline = r == baseline;
            var ratios = r.RoundRates.Zip(baseline.RoundRates, (rate, reference) => rate / reference).Order().ToList();
            Row(table, r.Kind, N(r.Calls, "0"), N(r.CallsPerSecond, "0"),
                isBaseline ? "1.00" : N(Median(ratios), "0.00"),
                isBaseline ? "" : $"{N(ratios[0], "0.00")}–{N(ratios[^1], "0.00")}",
                N(r.P50Milliseconds, "0.00"), isBaseline ? "" : N(r.P50Milliseconds - baseline.P50Milliseconds, "+0.00;-0.00;0.00"),
                N(r.P99Milliseconds, "0.00"), isBaseline ? "" : N(r.P99Milliseconds - baseline.P99Milliseconds, "+0.00;-0.00;0.00"));
        }

        return table.ToString();
    }

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1
        ? sorted[sorted.Count / 2]
        : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void Row(StringBuilder table, params string[] cells) =>
        table.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(8) : c.PadLeft(9))) + " |");
}
