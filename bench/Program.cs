using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Running;
using Mnemosyne.Bench;
using Mnemosyne.Bench.Chaos;

// dotnet run -c Release --project bench                       the end-to-end load run (200 s measured in 5 rounds)
// dotnet run -c Release --project bench -- --seconds 1200 --rounds 24  a longer one (about 40 min) (fresh tokens whenever the next round would outlast them); also --clients N, --decisions N (the memory run), --kinds a,b
// dotnet run -c Release --project bench -- micro [BDN args]   the BenchmarkDotNet micro-benchmarks
// dotnet run -c Release --project bench -- fuzz               100,000 broken bearers and 50,000 JSON-RPC bodies (issue 14)
// dotnet run -c Release --project bench -- chaos              faults under load, then a 2-minute soak; --soak-minutes 30 (issue 14)
//                                                   --only wire-redis-partition,soak (a subset), --wire-seconds 8 (each wire fault, issue 23)
if (args is ["micro", .. var rest])
{
    BenchmarkSwitcher.FromAssembly(typeof(BenchServices).Assembly).Run(rest is [] ? ["--filter", "*"] : rest);
    return 0;
}

if (args is ["fuzz", ..])
{
    Console.WriteLine("Starting the services...");
    await using var fuzzed = await BenchServices.StartAsync();
    var (bearers, bodies) = (Option("--bearers", 100_000), Option("--bodies", 50_000));
    Console.WriteLine($"Sending {bearers} bearers and {bodies} bodies...");
    var (rows, healthy) = await FuzzRun.RunAsync(fuzzed, bearers, bodies, seed: Option("--seed", 20261127));
    Console.WriteLine(FuzzRun.Table(rows));
    Console.WriteLine($"Both services healthy afterwards: {healthy}.");
    return rows.Any(r => r.Accepted > 0 || r.ServerErrors > 0) || !healthy ? 1 : 0;
}

if (args is ["chaos", ..])
{
    var soak = TimeSpan.FromMinutes(Option("--soak-minutes", 2));
    var only = OptionText("--only") is { } names ? names.Split(',').ToHashSet(StringComparer.Ordinal) : ChaosRun.Names.ToHashSet(StringComparer.Ordinal);
    if (only.Except(ChaosRun.Names).ToList() is [_, ..] unknown)
    {
        Console.Error.WriteLine($"Unknown in --only: {string.Join(", ", unknown)}. Names: {string.Join(", ", ChaosRun.Names)}.");
        return 2;
    }

    Console.WriteLine("Starting Postgres, Redis, an authorization server, two auth-service and two mcp-host processes...");
    await using var cluster = await ChaosCluster.StartAsync(turnLifetime: soak + TimeSpan.FromMinutes(15));
    var (rows, soakTable) = await ChaosRun.RunAsync(cluster, Option("--clients", 16), soak, only,
        TimeSpan.FromSeconds(Option("--wire-seconds", 8)), Console.WriteLine);
    Console.WriteLine($"""

        Faults under steady load: {Option("--clients", 16)} MCP clients through two mcp-hosts; {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}.

        {ChaosRun.Table(rows)}
        Soak, step by step:
        {soakTable}
        """);
    return rows.Any(r => r.Violations.Count > 0) ? 1 : 0;
}

LoadRun.Settings settings;
int decisions;
try
{
    settings = new LoadRun.Settings(
        TimeSpan.FromSeconds(Option("--seconds", 200)), Option("--clients", 16), Option("--rounds", 5),
        Option("--seed", Random.Shared.Next(1, 100_000)),
        OptionText("--kinds") is { } kinds ? kinds.Split(',').ToHashSet(StringComparer.Ordinal) : null);
    decisions = OptionText("--decisions") == "0" ? 0 : Option("--decisions", 100_000);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message + " Options: --seconds N (200), --clients N (16), --rounds N (5), --seed N (random), --decisions N (100000; 0: no memory run), --kinds a,b (only these besides the baseline, e.g. opaque,turn miss); or: micro [BenchmarkDotNet arguments].");
    return 2;
}

Console.WriteLine("Starting Postgres, Redis, an authorization server, auth-service, mcp-host and the no-auth baseline mcp-host...");
await using var services = await BenchServices.StartAsync();
if (settings.Kinds is null || settings.Kinds.Contains(LoadRun.Churn))
{
    Console.WriteLine("Minting the churn mode's 2,000 principals...");
    await services.MintChurnTokensAsync(perKind: 400);
}

var before = await WritesAsync();
Console.WriteLine($"Measuring for {settings.Duration.TotalSeconds:0} s in {settings.Rounds} rounds, order seed {settings.Seed}...");
LoadRun.Results results;
try
{
    results = await LoadRun.RunAsync(services, settings);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}

var after = await WritesAsync();

var authenticated = results.Throughput.Concat(results.Latency).Where(r => r.Kind is not (LoadRun.Baseline or LoadRun.BaselineAgain or LoadRun.Crowd)).Sum(r => r.Calls);
Console.WriteLine($"""

    `search` through mcp-host; {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {results.Measured.TotalSeconds:0} s measured in {settings.Rounds} rounds, {results.Epochs} set(s) of tokens.

    Throughput: {settings.Clients} concurrent MCP clients per kind
    {Report.Table(results.Throughput)}
    Latency: one MCP client per kind
    {Report.Table(results.Latency)}
    Rows written while measuring: authdb {after.Auth - before.Auth - services.RowsMinted.Auth}, librarydb {after.Library - before.Library - services.RowsMinted.Library} ({authenticated} authenticated calls; the fresh tokens' own rows left out).
    Churn: {services.ChurnTokens.Count} principals; {ChurnRevocations.Made} revoking admin changes while it was measured (one a second). Churn is set against crowd, the baseline called by as many clients; every other kind against baseline.
    """);
if (decisions > 0)
{
    Console.WriteLine($"Filling mcp-host's decision cache with {decisions} decisions...");
    var memory = await MemoryRun.RunAsync(services, decisions);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Memory: {memory.Cached} cached decisions of {memory.Decisions} calls; managed heap {memory.HeapBefore / 1048576.0:0.0} MiB before, " +
        $"{memory.HeapFilled / 1048576.0:0.0} filled, {memory.HeapEmptied / 1048576.0:0.0} emptied: the decisions held {memory.MiB:0.0} MiB " +
        $"({memory.BytesPerDecision:0} bytes a decision; the whole process's heap, auth-service's own cache included: an upper bound)."));
}

return 0;

async Task<(long Auth, long Library)> WritesAsync()
{
    var counts = await DatabaseWrites.CountAsync(services.Postgres, "authdb", "librarydb");
    return (counts[0], counts[1]);
}

string? OptionText(string name)
{
    var index = Array.IndexOf(args, name);
    return index < 0 ? null : index + 1 < args.Length ? args[index + 1] : throw new ArgumentException($"{name} needs a value.");
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    if (index < 0)
    {
        return fallback;
    }

    return index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) && value > 0
        ? value
        : throw new ArgumentException($"{name} needs a positive whole number.");
}
