using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Mnemosyne.Bench;

/// <summary>
/// Micro-benchmarks run in this process, next to the real services they measure (a child process could not share
/// the started Postgres, Redis and hosts), with allocations counted per operation.
/// </summary>
public sealed class InProcessConfig : ManualConfig
{
    public InProcessConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3).WithIterationCount(10).WithIterationTime(TimeInterval.FromMilliseconds(500)));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
