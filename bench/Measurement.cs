using System.Diagnostics;

namespace Mnemosyne.Bench;

/// <summary>
/// Throughput and latency percentiles of one kind of call, over all the slices it ran, and each slice's own rate (one
/// a round, in round order), so that a kind can be set against the baseline round by round.
/// </summary>
public sealed record Measurement(string Kind, long Calls, double CallsPerSecond, double P50Milliseconds, double P99Milliseconds,
    IReadOnlyList<double> RoundRates)
{
    public sealed class Builder
    {
        private readonly List<long> _latencies = [];
        private readonly List<double> _roundRates = [];
        private TimeSpan _elapsed;

        public void Add((List<long> Latencies, TimeSpan Elapsed) slice)
        {
            _latencies.AddRange(slice.Latencies);
            _elapsed += slice.Elapsed;
            _roundRates.Add(slice.Latencies.Count / slice.Elapsed.TotalSeconds);
        }

        public Measurement Build(string kind)
        {
            _latencies.Sort();
            return new Measurement(kind, _latencies.Count, _latencies.Count / _elapsed.TotalSeconds,
                Percentile(0.50), Percentile(0.99), _roundRates);
        }

        private double Percentile(double p) => _latencies.Count == 0
            ? double.NaN
            : _latencies[(int)Math.Ceiling(p * _latencies.Count) - 1] * 1000.0 / Stopwatch.Frequency;
    }
}
