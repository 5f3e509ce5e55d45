using System.Diagnostics;

namespace Mnemosyne.Bench;

/// <summary>
/// Throughput and latency percentiles of one kind of call, over all the slices it ran, and each round's own rate (its
/// calls over its time in that round, in round order), so that a kind can be set against the baseline round by round.
/// </summary>
public sealed record Measurement(string Kind, long Calls, double CallsPerSecond, double P50Milliseconds, double P99Milliseconds,
    IReadOnlyList<double> RoundRates)
{
    public sealed class Builder(int rounds)
    {
        private readonly List<long> _latencies = [];
        private readonly long[] _roundCalls = new long[rounds];
        private readonly TimeSpan[] _roundElapsed = new TimeSpan[rounds];

        public void Add(int round, (List<long> Latencies, TimeSpan Elapsed) slice)
        {
            _latencies.AddRange(slice.Latencies);
            _roundCalls[round] += slice.Latencies.Count;
            _roundElapsed[round] += slice.Elapsed;
        }

        public Measurement Build(string kind)
        {
            _latencies.Sort();
            var elapsed = _roundElapsed.Aggregate(TimeSpan.Zero, (sum, e) => sum + e);
            return new Measurement(kind, _latencies.Count, _latencies.Count / elapsed.TotalSeconds,
                Percentile(0.50), Percentile(0.99), [.. _roundCalls.Select((calls, r) => calls / _roundElapsed[r].TotalSeconds)]);
        }

        private double Percentile(double p) => _latencies.Count == 0
            ? double.NaN
            : _latencies[(int)Math.Ceiling(p * _latencies.Count) - 1] * 1000.0 / Stopwatch.Frequency;
    }
}
