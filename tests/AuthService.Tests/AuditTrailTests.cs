using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Mnemosyne.AuthService.Audit;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Mnemosyne.ServiceDefaults.Audit;

namespace Mnemosyne.AuthService.Tests;

/// <summary>CONTRACT §8: admin changes and ingested decisions in authdb, listed newest first with filters and a cursor.</summary>
public sealed class AuditTrailTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    private AuditTrail Trail => fixture.Host.Services.GetRequiredService<AuditTrail>();

    [Fact]
    public async Task Admin_changes_are_recorded_with_their_action_target_and_outcome()
    {
        var user = await _api.CreateUserAsync();
        var (id, _) = await _api.CreateTokenAsync(user, ["lib-a"]);
        Assert.Equal(HttpStatusCode.NoContent, (await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate")).Status);
        var missing = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.NotFound, (await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{missing}/deactivate")).Status);
        var (kid, _) = await _api.CreateSigningKeyAsync();
        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/signing-keys/{kid}/retire");
        var team = await _api.CreateTeamAsync("ws-audit");
        await _api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{team}/workspaces", new { workspaces = new[] { "ws-b" } });
        await Trail.WriteQueuedAsync(TestContext.Current.CancellationToken);

        var items = (await PageAsync("?type=admin&limit=500")).Items;

        Assert.Contains(items, i => Is(i, "user.create", "users", "succeeded"));
        Assert.Contains(items, i => Is(i, "token.create", "tokens", "succeeded"));
        Assert.Contains(items, i => Is(i, "token.deactivate", $"tokens/{id}/deactivate", "succeeded"));
        Assert.Contains(items, i => Is(i, "token.deactivate", $"tokens/{missing}/deactivate", "failed"));
        Assert.Contains(items, i => Is(i, "signing-key.retire", $"signing-keys/{kid}/retire", "succeeded"));
        Assert.Contains(items, i => Is(i, "team.set-workspaces", $"teams/{team}/workspaces", "succeeded"));
        var first = items[0];
        Assert.Equal(["time", "type", "action", "target", "outcome"], first.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(items, i => i.GetProperty("type").GetString() != "admin");
    }

    [Fact]
    public async Task Filters_select_by_type_principal_outcome_tool_and_time()
    {
        var principal = AuthApi.Unique("mcptoken:p");
        var now = fixture.Time.GetUtcNow();
        await IngestAsync(
            Decision(principal, "search", "allowed", null, now.AddMinutes(-10)),
            Decision(principal, "get_document", "refused", "tool_not_allowed", now.AddMinutes(-5)),
            Decision(principal, "search", "allowed", null, now.AddMinutes(-1)),
            Decision("someone-else", "search", "allowed", null, now));

        var mine = (await PageAsync($"?principal={Uri.EscapeDataString(principal)}")).Items;
        var refused = (await PageAsync($"?principal={Uri.EscapeDataString(principal)}&outcome=refused")).Items;
        var searches = (await PageAsync($"?principal={Uri.EscapeDataString(principal)}&tool=search")).Items;
        var recent = (await PageAsync($"?principal={Uri.EscapeDataString(principal)}&since={Uri.EscapeDataString(now.AddMinutes(-6).ToString("O"))}&until={Uri.EscapeDataString(now.AddMinutes(-2).ToString("O"))}")).Items;

        Assert.Equal(3, mine.Count);
        Assert.Equal(["search", "get_document", "search"], mine.Select(i => i.GetProperty("tool").GetString())); // newest first
        Assert.Equal("tool_not_allowed", Assert.Single(refused).GetProperty("reason").GetString());
        Assert.Equal(2, searches.Count);
        Assert.Equal("get_document", Assert.Single(recent).GetProperty("tool").GetString());
        Assert.Equal(["time", "type", "principal", "kind", "tool", "outcome", "reason", "libraryCount", "traceId"],
            mine[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_walk_is_newest_first_by_time_and_never_repeats_or_skips_while_late_entries_race_it()
    {
        // Stored out of time order (batches arrive late), the walk still reads by time; entries racing it, older and
        // newer, arrive after it began and stay out of it, so it returns exactly what existed, once each.
        var principal = AuthApi.Unique("mcptoken:paged");
        var now = fixture.Time.GetUtcNow();
        var original = Enumerable.Range(0, 250).Select(i => Decision(principal, "tool-" + i, "allowed", null, now.AddSeconds(-i))).ToList();
        foreach (var batch in original.Chunk(25).Reverse())
        {
            await IngestAsync(batch); // oldest batch first: storage order is not time order
        }

        using var stop = new CancellationTokenSource();
        Task? writer = null;
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await PageAsync($"?principal={Uri.EscapeDataString(principal)}&limit=40" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.Items.Select(i => i.GetProperty("tool").GetString()!));
            cursor = page.Next;
            // The walk began with its first page: from then on, entries race it. (Started before that page, the
            // writer's first entry, the newest, could rightly be on it: a fresh-clone CI run once saw exactly that.)
            writer ??= Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    await IngestAsync(Decision(principal, "late-" + n, "allowed", null, now.AddSeconds(-(n * 37 % 260) + 5)));
                }
            }, TestContext.Current.CancellationToken);
            await Task.Delay(20, TestContext.Current.CancellationToken); // let the racing writer land entries between pages
        }
        while (cursor is not null);
        await stop.CancelAsync();
        await writer.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 250).Select(i => "tool-" + i), seen); // newest first: tool-0 is the newest
        Assert.Contains((await PageAsync($"?principal={Uri.EscapeDataString(principal)}&limit=500")).Items,
            i => i.GetProperty("tool").GetString()!.StartsWith("late-", StringComparison.Ordinal)); // a new walk sees them
    }

    [Fact]
    public async Task A_late_entry_older_than_the_page_shown_appears_in_a_new_walk_in_its_time_place_not_in_the_running_one()
    {
        var principal = AuthApi.Unique("mcptoken:late");
        var now = fixture.Time.GetUtcNow();
        await IngestAsync([.. Enumerable.Range(0, 6).Select(i => Decision(principal, "t" + i, "allowed", null, now.AddMinutes(-2 * i)))]);

        var first = await PageAsync($"?principal={Uri.EscapeDataString(principal)}&limit=2");
        await IngestAsync(Decision(principal, "late", "allowed", null, now.AddMinutes(-5))); // between t2 and t3, arriving late
        var rest = new List<string>();
        for (var cursor = first.Next; cursor is not null;)
        {
            var page = await PageAsync($"?principal={Uri.EscapeDataString(principal)}&limit=2&cursor={cursor}");
            rest.AddRange(page.Items.Select(i => i.GetProperty("tool").GetString()!));
            cursor = page.Next;
        }

        Assert.Equal(["t0", "t1"], first.Items.Select(i => i.GetProperty("tool").GetString()));
        Assert.Equal(["t2", "t3", "t4", "t5"], rest);
        Assert.Equal(["t0", "t1", "t2", "late", "t3", "t4", "t5"],
            (await PageAsync($"?principal={Uri.EscapeDataString(principal)}")).Items.Select(i => i.GetProperty("tool").GetString()));
        var times = (await PageAsync($"?principal={Uri.EscapeDataString(principal)}")).Items.Select(i => i.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
    }

    [Fact]
    public async Task A_cursor_altered_cut_or_used_with_other_filters_is_400()
    {
        var principal = AuthApi.Unique("mcptoken:cursor");
        var now = fixture.Time.GetUtcNow();
        await IngestAsync([.. Enumerable.Range(0, 3).Select(i => Decision(principal, "t" + i, "allowed", null, now.AddSeconds(-i)))]);
        var query = $"?principal={Uri.EscapeDataString(principal)}&limit=1";
        var cursor = (await PageAsync(query)).Next!;
        Assert.Equal("t1", Assert.Single((await PageAsync(query + "&cursor=" + cursor)).Items).GetProperty("tool").GetString());

        var altered = cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..];
        foreach (var (bad, filters) in new[] { (altered, query), (cursor[..^2], query), (cursor + "AA", query), (cursor, query + "&tool=t1"),
                                               (cursor, "?limit=1"), (new string('A', 2000), query) })
        {
            var reply = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/audit" + filters + "&cursor=" + bad);
            Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{filters} {bad}: {(int)reply.Status}");
            Assert.Contains("'cursor'", reply.Title, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_export_streams_ndjson_oldest_first_with_the_same_fields_filtered_by_type_and_time()
    {
        var principal = AuthApi.Unique("mcptoken:export");
        var from = fixture.Time.GetUtcNow().AddDays(-3);
        await IngestAsync([.. Enumerable.Range(0, 5).Select(i => Decision(principal, "t" + i, "allowed", null, from.AddMinutes(-i)))]);
        await IngestAsync(new AuditEntry(from.AddMinutes(-2).AddSeconds(1), "admin", null, null, null, "succeeded", null, null, null, "token.create", "tokens"));
        var window = $"since={Uri.EscapeDataString(from.AddMinutes(-3).ToString("O"))}&until={Uri.EscapeDataString(from.ToString("O"))}";

        using var response = await fixture.Host.Http.SendAsync(Get("/admin/v1/audit/export?" + window), TestContext.Current.CancellationToken);
        var lines = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var decisions = await fixture.Host.Http.SendAsync(Get("/admin/v1/audit/export?type=decision&" + window), TestContext.Current.CancellationToken);
        var decisionLines = (await decisions.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var bad = await fixture.Host.Http.SendAsync(Get("/admin/v1/audit/export?type=other"), TestContext.Current.CancellationToken);
        using var anonymous = await fixture.Host.Http.GetAsync(new Uri("/admin/v1/audit/export", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var items = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["t3", "t2", null, "t1"], items.Select(i => i.TryGetProperty("tool", out var t) ? t.GetString() : null)); // oldest first
        Assert.Equal(["time", "type", "action", "target", "outcome"], items[2].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["time", "type", "principal", "kind", "tool", "outcome", "reason", "libraryCount", "traceId"], items[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, decisionLines.Length);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized), (bad.StatusCode, anonymous.StatusCode));
    }

    private HttpRequestMessage Get(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.AdminKey);
        return request;
    }

    [Fact]
    public async Task Every_stored_entry_is_a_structured_log_record_of_the_audit_category_and_none_holds_a_secret()
    {
        var user = await _api.CreateUserAsync();
        var (id, token) = await _api.CreateTokenAsync(user, ["lib-a"]);
        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate");
        await _api.ResolveAsync(token, "search");
        var principal = AuthApi.Unique("mcptoken:log");
        var time = fixture.Time.GetUtcNow().AddSeconds(-3);
        await IngestAsync(Decision(principal, "search", "refused", "rate_limited", time));

        var records = fixture.Host.Logs.GetSnapshot();
        var audit = records.Where(r => r.Category == AuditLogRecords.Category).ToList();
        var decision = Assert.Single(audit, r => r.GetStructuredStateValue("Principal") == principal);
        Assert.Equal(LogLevel.Information, decision.Level);
        Assert.Equal(["decision", "refused", "opaque", "search", "rate_limited", "2", null, null], new[] { "AuditType", "Outcome", "Kind", "Tool", "Reason", "LibraryCount", "Action", "Target" }
            .Select(decision.GetStructuredStateValue));
        Assert.Equal(time, DateTimeOffset.Parse(decision.GetStructuredStateValue("AuditTime")!, System.Globalization.CultureInfo.InvariantCulture));
        var change = Assert.Single(audit, r => r.GetStructuredStateValue("Target") == $"tokens/{id}/deactivate");
        Assert.Equal(("admin", "token.deactivate", "succeeded"),
            (change.GetStructuredStateValue("AuditType"), change.GetStructuredStateValue("Action"), change.GetStructuredStateValue("Outcome")));
        foreach (var secret in new[] { token, token[12..], fixture.AdminKey, fixture.InternalKey })
        {
            Assert.DoesNotContain(records, r => r.Message.Contains(secret, StringComparison.Ordinal)
                                                || r.StructuredState?.Any(p => p.Value?.Contains(secret, StringComparison.Ordinal) == true) == true);
        }
    }

    [Fact]
    public async Task A_refusal_of_an_identified_token_names_it_beside_the_unchanged_problem_body_and_an_unknown_one_names_no_one()
    {
        var user = await _api.CreateUserAsync();
        var (id, token) = await _api.CreateTokenAsync(user, ["lib-a"], ["search"]);
        var notAllowed = await _api.ResolveAsync(token, "get_document");
        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate");
        var deactivated = await _api.ResolveAsync(token, "search");
        var unknown = await _api.ResolveAsync("mnm_" + new string('z', 43), "search");

        var expected = "opaque " + Uri.EscapeDataString("mcptoken:" + token[..12] + "…");
        Assert.Equal((HttpStatusCode.Forbidden, expected), (notAllowed.Status, Caller(notAllowed)));
        Assert.Equal((HttpStatusCode.Unauthorized, expected), (deactivated.Status, Caller(deactivated)));
        Assert.Equal((HttpStatusCode.Unauthorized, null), (unknown.Status, Caller(unknown)));
        foreach (var reply in new[] { notAllowed, deactivated, unknown })
        {
            Assert.Equal(["type", "title", "status", "reason", "traceId"], reply.Body.EnumerateObject().Select(p => p.Name));
            Assert.DoesNotContain(token[12..], reply.Response.Headers.ToString(), StringComparison.Ordinal);
        }
    }

    private static string? Caller(AuthApi.Reply reply) =>
        reply.Response.Headers.TryGetValues(RefusedCallerHeader.Name, out var values) ? values.Single() : null;

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?type=other", "type")]
    [InlineData("?cursor=not-a-cursor!", "cursor")]
    [InlineData("?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cursor")]
    public async Task Bad_queries_are_400_naming_the_parameter(string query, string parameter)
    {
        var reply = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/audit" + query);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Contains($"'{parameter}'", reply.Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_past_retention_are_deleted()
    {
        var principal = AuthApi.Unique("mcptoken:old");
        var now = fixture.Time.GetUtcNow();
        await IngestAsync(Decision(principal, "ancient", "allowed", null, now.AddDays(-31)), Decision(principal, "recent", "allowed", null, now.AddDays(-29)));

        var deleted = await fixture.Host.Services.GetRequiredService<AuditRetention>().DeleteExpiredAsync(TestContext.Current.CancellationToken);

        Assert.True(deleted >= 1);
        Assert.Equal(["recent"], (await PageAsync($"?principal={Uri.EscapeDataString(principal)}")).Items.Select(i => i.GetProperty("tool").GetString()));
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_entries_without_failing_anyone()
    {
        var host = await fixture.StartHostAsync(c => c["Auth:AuditQueueCapacity"] = "100");
        using var dropped = new MetricCollector<long>(
            host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Mnemosyne.Auth", "mcp.audit.dropped");
        var sink = host.Services.GetRequiredService<IAuditSink>();

        for (var i = 0; i < 1000; i++)
        {
            sink.Record(Decision("overflow", "t", "allowed", null, fixture.Time.GetUtcNow()));
        }

        Assert.True(dropped.GetMeasurementSnapshot().Sum(m => m.Value) >= 800, "the overflow was not counted");
        await host.Services.GetRequiredService<AuditTrail>().WriteQueuedAsync(TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<AuditTrail>().StopAsync(TestContext.Current.CancellationToken);
        Assert.Contains(host.Logs.Lines(), l => l.Contains("audit.dropped", StringComparison.Ordinal));
    }

    private static AuditEntry Decision(string principal, string tool, string outcome, string? reason, DateTimeOffset time) =>
        new(time, "decision", principal, "opaque", tool, outcome, reason, 2, null, null, null);

    private async Task IngestAsync(params AuditEntry[] entries)
    {
        var reply = await _api.SendAsync(HttpMethod.Post, "/v1/audit", entries, ("X-Internal-Key", fixture.InternalKey));
        Assert.Equal(HttpStatusCode.NoContent, reply.Status);
        await Trail.WriteQueuedAsync(TestContext.Current.CancellationToken);
    }

    private async Task<(List<JsonElement> Items, string? Next)> PageAsync(string query)
    {
        var reply = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/audit" + query);
        Assert.True(reply.Status == HttpStatusCode.OK, $"{query}: {(int)reply.Status} {reply.Body}");
        var next = reply.Body.GetProperty("next");
        return ([.. reply.Body.GetProperty("items").EnumerateArray()], next.ValueKind == JsonValueKind.Null ? null : next.GetString());
    }

    private static bool Is(JsonElement item, string action, string target, string outcome) =>
        item.GetProperty("action").GetString() == action && item.GetProperty("target").GetString() == target
        && item.GetProperty("outcome").GetString() == outcome;
}
