using System.Diagnostics;

namespace Mnemosyne.Bench;

/// <summary>
/// Throughput and latency percentiles of one kind of call, over all the slices it ran; and, for a kind measured
/// against a reference, the same of the reference's slices paired with it: each round's ratio (the kind's rate in
/// its slice over the reference's in the slice beside it) and the percentiles of the paired reference calls.
/// </summary>
public sealed record Measurement(string Kind, long Calls, double CallsPerSecond, double P50Milliseconds, double P99Milliseconds,
    Measurement.Against? Reference)
{
    /// <param name="RoundRatios">Each round's ratio, in round order.</param>
    public sealed record Against(IReadOnlyList<double> RoundRatios, double P50Milliseconds, double P99Milliseconds);

    public sealed class Builder(int rounds)
    {
        private readonly Slices _own = new(rounds);
        private readonly Slices _reference = new(rounds);

        /// <summary>A slice of this kind, and the slice of its reference measured beside it (null: this is a reference).</summary>
        public void Add(int round, (List<long> Latencies, TimeSpan Elapsed) slice, (List<long> Latencies, TimeSpan Elapsed)? reference)
        {
            _own.Add(round, slice);
            if (reference is { } paired)
            {
                _reference.Add(round, paired);
            }
        }

        public Measurement Build(string kind)
        {
            var (p50, p99) = _own.Percentiles();
            if (_reference.Count == 0)
            {
                return new(kind, _own.Count, _own.Rate, p50, p99, null);
            }

            var (referenceP50, referenceP99) = _reference.Percentiles();
            return new(kind, _own.Count, _own.Rate, p50, p99,
                new Against([.. _own.RoundRates.Zip(_reference.RoundRates, (rate, of) => rate / of)], referenceP50, referenceP99));
        }
    }

    private sealed class Slices(int rounds)
    {
        private readonly List<long> _latencies = [];
        private readonly long[] _roundCalls = new long[rounds];
        private readonly TimeSpan[] _roundElapsed = new TimeSpan[rounds];

        public int Count => _latencies.Count;

        public double Rate => Count / _roundElapsed.Aggregate(TimeSpan.Zero, (sum, e) => sum + e).TotalSeconds;

        public IEnumerable<double> RoundRates => _roundCalls.Select((calls, r) => calls / _roundElapsed[r].TotalSeconds);

        public void Add(int round, (List<long> Latencies, TimeSpan Elapsed) slice)
        {
            _latencies.AddRange(slice.Latencies);
            _roundCalls[round] += slice.Latencies.Count;
            _roundElapsed[round] += slice.Elapsed;
        }

        public (double P50, double P99) Percentiles()
        {
            _latencies.Sort();
            return (Percentile(0.50), Percentile(0.99));
        }

        private double Percentile(double p) =>
            Count == 0 ? double.NaN : _latencies[(int)Math.Ceiling(p * Count) - 1] * 1000.0 / Stopwatch.Frequency;
    }
}
