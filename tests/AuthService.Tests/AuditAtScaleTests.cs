using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.Audit;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Endpoints;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Npgsql;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// CONTRACT §8 on 1,000,000 stored entries (<see cref="MillionAuditRowsFixture"/>): every query a walk or an export
/// makes is an index scan reading only the rows it returns, and the export streams all of them through real HTTP
/// while the process's memory grows by less than 50 MiB. Alone in its collection: the memory of the process is
/// measured, and no other test may allocate meanwhile.
/// </summary>
[Collection(nameof(AuditAtScaleTests))]
public sealed class AuditAtScaleTests(MillionAuditRowsFixture fixture) : IClassFixture<MillionAuditRowsFixture>
{
    private const long MaxGrowth = 50L * 1024 * 1024;

    [Fact]
    public async Task Every_query_of_a_walk_and_an_export_is_an_index_scan_on_a_million_rows()
    {
        await using var scope = fixture.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var ceiling = await AuditFilter.CeilingAsync(db, TestContext.Current.CancellationToken);
        var middle = (fixture.Now.AddDays(-15), 500_000L);
        var all = new AuditFilter(null, null, null, null, null, null);
        var page = AuditApi.DefaultLimit + 1;
        var chunk = AuditExport.ChunkSize;
        var mine = all with { Principal = MillionAuditRowsFixture.Principal(7) };
        var queries = new (string Name, IQueryable<AuditEvent> Query, int Limit)[]
        {
            ("first page", all.NewestFirst(db, ceiling, null, page), page),
            ("page deep in the walk", all.NewestFirst(db, ceiling, middle, page), page),
            ("principal=, first page", mine.NewestFirst(db, ceiling, null, page), page),
            ("principal=, deep page", mine.NewestFirst(db, ceiling, middle, page), page),
            ("outcome=refused, deep page", (all with { Outcome = "refused" }).NewestFirst(db, ceiling, middle, page), page),
            ("type=admin, deep page", (all with { Type = "admin" }).NewestFirst(db, ceiling, middle, page), page),
            ("tool=search, deep page", (all with { Tool = "search" }).NewestFirst(db, ceiling, middle, page), page),
            ("since= & until= (one day)", (all with { Since = fixture.Now.AddDays(-11), Until = fixture.Now.AddDays(-10) }).NewestFirst(db, ceiling, null, page), page),
            ("export chunk, first", all.OldestFirst(db, ceiling, null, chunk), chunk),
            ("export chunk, deep", all.OldestFirst(db, ceiling, middle, chunk), chunk),
            ("export type=decision, deep", (all with { Type = "decision" }).OldestFirst(db, ceiling, middle, chunk), chunk),
        };

        var table = new List<string> { "| query | plan | rows | removed by filter | ms |", "| --- | --- | --- | --- | --- |" };
        var ceilingPlan = await ExplainAsync(db, "SELECT max(\"Id\") FROM \"AuditEvents\"", []);
        table.Add(Row("walk ceiling (max id)", ceilingPlan));
        foreach (var (name, query, limit) in queries)
        {
            await using var command = query.CreateDbCommand();
            var plan = await ExplainAsync(db, command.CommandText, [.. command.Parameters.Cast<NpgsqlParameter>()]);
            table.Add(Row(name, plan));
            var nodes = Nodes(plan).Select(n => n.GetProperty("Node Type").GetString()).ToList();
            Assert.True(!nodes.Contains("Seq Scan") && !nodes.Contains("Sort") && !nodes.Contains("Bitmap Heap Scan"),
                $"{name}: {string.Join(" > ", nodes)}");
            Assert.Contains(nodes, n => n is "Index Scan" or "Index Only Scan");
            // Its work is bounded by the page, not by the table: at most the limit returned, few rows read and thrown away
            // (the planner may walk the time index and filter a common value, e.g. a tool a quarter of the rows name).
            var scan = Nodes(plan).First(n => n.GetProperty("Node Type").GetString() is "Index Scan" or "Index Only Scan");
            var removed = scan.TryGetProperty("Rows Removed by Filter", out var filtered) ? filtered.GetDouble() : 0;
            Assert.InRange(scan.GetProperty("Actual Rows").GetDouble(), 1, limit);
            Assert.True(removed <= 10 * limit, $"{name}: {removed} rows read and thrown away");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', table));
    }

    [Fact]
    public async Task The_export_streams_a_million_rows_through_http_with_flat_memory()
    {
        var expected = await fixture.CountAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = ResidentBytes();
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes());
                await Task.Delay(20, CancellationToken.None);
            }
        }, TestContext.Current.CancellationToken);

        var started = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/admin/v1/audit/export", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.AdminKey);
        using var response = await fixture.Host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var buffer = new byte[64 * 1024];
        long lines = 0;
        int read;
        byte previous = (byte)'\n';
        while ((read = await body.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            previous = buffer[read - 1];
        }

        await sampling.CancelAsync();
        await sampler.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var growth = peak - before;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"exported {lines:N0} rows in {started.Elapsed.TotalSeconds:F1} s; resident memory {before / 1048576.0:F1} MiB before, peak growth {growth / 1048576.0:F1} MiB"));
        Assert.Equal(expected, lines);
        Assert.Equal((byte)'\n', previous);
        Assert.True(growth < MaxGrowth, $"the process grew by {growth / 1048576.0:F1} MiB while exporting");
    }

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static async Task<JsonElement> ExplainAsync(AuthDbContext db, string sql, NpgsqlParameter[] parameters)
    {
        await using var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter.Clone());
        }

        var json = (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        return JsonDocument.Parse(json).RootElement[0].Clone();
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement explain)
    {
        var stack = new Stack<JsonElement>([explain.GetProperty("Plan")]);
        while (stack.TryPop(out var node))
        {
            yield return node;
            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    stack.Push(child);
                }
            }
        }
    }

    private static string Row(string name, JsonElement explain)
    {
        var scans = Nodes(explain).Where(n => n.GetProperty("Node Type").GetString()!.StartsWith("Index", StringComparison.Ordinal))
            .Select(n => $"{n.GetProperty("Node Type").GetString()}{(n.TryGetProperty("Scan Direction", out var d) && d.GetString() == "Backward" ? " Backward" : "")} on {n.GetProperty("Index Name").GetString()}");
        var top = explain.GetProperty("Plan");
        var removed = Nodes(explain).Sum(n => n.TryGetProperty("Rows Removed by Filter", out var r) ? r.GetDouble() : 0);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {string.Join(", ", scans)} | {top.GetProperty("Actual Rows").GetDouble():N0} | {removed:N0} | {explain.GetProperty("Execution Time").GetDouble():F3} |");
    }
}

/// <summary>The scale tests measure the process's memory: they run alone, after the others.</summary>
[CollectionDefinition(nameof(AuditAtScaleTests), DisableParallelization = true)]
public sealed class AuditAtScaleRunsAlone;
