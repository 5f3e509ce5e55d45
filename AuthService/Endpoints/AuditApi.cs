using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Audit;
using Mnemosyne.AuthService.Data;
using Mnemosyne.ServiceDefaults.Audit;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// <c>GET /admin/v1/audit</c> and <c>/admin/v1/audit/export</c> (CONTRACT §8). A walk is newest first by the
/// entry's time (ties by id) across every page, and reads only what was stored when its first page was read (the
/// ceiling its <see cref="AuditCursor"/> carries): entries reaching authdb late — mcp-host's batches — do not
/// appear in a walk begun before they arrived, and every entry that existed when it began appears exactly once.
/// The export streams the same selection oldest first as NDJSON (<see cref="AuditExport"/>).
/// </summary>
public static class AuditApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public sealed record AuditPage(IReadOnlyList<object> Items, string? Next);

    public sealed record DecisionItem(
        DateTimeOffset Time, string Type, string? Principal, string? Kind, string? Tool, string Outcome, string? Reason,
        int? LibraryCount, string? TraceId);

    public sealed record AdminItem(DateTimeOffset Time, string Type, string? Action, string? Target, string Outcome);

    public static void MapAuditApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", ListAsync)
            .WithSummary("List audit entries newest first by time: filter by type, principal, outcome, tool, time; page with the cursor.");
        admin.MapGet("/audit/export", Export)
            .WithSummary("Stream audit entries oldest first as NDJSON (one entry a line), filtered by type and time: for a SIEM.")
            .Produces(StatusCodes.Status200OK, contentType: "application/x-ndjson");
    }

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAsync(
        AuthDbContext db, AuditCursor cursors, CancellationToken cancellationToken,
        string? type = null, string? principal = null, string? outcome = null, string? tool = null,
        DateTimeOffset? since = null, DateTimeOffset? until = null, int? limit = null, string? cursor = null)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return Problems.BadRequest($"Query 'limit' must be 1 to {MaxLimit}.");
        }

        var (filter, error) = AuditFilter.From(type, principal, outcome, tool, since, until);
        if (filter is null)
        {
            return Problems.BadRequest(error!);
        }

        AuditCursor.Position? position = null;
        if (cursor is not null && (position = cursors.Open(cursor, filter)) is null)
        {
            return Problems.BadRequest("Query 'cursor' is not a cursor this API gave out for these filters.");
        }

        var ceiling = position?.Ceiling ?? await AuditFilter.CeilingAsync(db, cancellationToken);
        var size = limit ?? DefaultLimit;
        var before = position is { } at ? (at.Time, at.Id) : ((DateTimeOffset, long)?)null;
        var rows = await filter.NewestFirst(db, ceiling, before, size + 1).ToListAsync(cancellationToken);

        var items = rows.Take(size).Select(Item).ToList();
        var next = rows.Count > size ? cursors.Seal(new AuditCursor.Position(rows[size - 1].Time, rows[size - 1].Id, ceiling), filter) : null;
        return TypedResults.Ok(new AuditPage(items, next));
    }

    private static Results<PushStreamHttpResult, ProblemHttpResult> Export(
        HttpContext context, AuthDbContext db, IOptions<JsonOptions> json, string? type = null, DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        var (filter, error) = AuditFilter.From(type, null, null, null, since, until);
        if (filter is null)
        {
            return Problems.BadRequest(error!);
        }

        return TypedResults.Stream(
            body => AuditExport.WriteAsync(body, db, filter, Item, json.Value.SerializerOptions, context.RequestAborted),
            "application/x-ndjson");
    }

    private static object Item(AuditEvent row) => row.Type == AuditEntry.AdminType
        ? new AdminItem(row.Time, row.Type, row.Action, row.Target, row.Outcome)
        : new DecisionItem(row.Time, row.Type, row.Principal, row.Kind, row.Tool, row.Outcome, row.Reason, row.LibraryCount, row.TraceId);
}
