using System.Buffers.Binary;
using System.Buffers.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Audit;
using Mnemosyne.AuthService.Data;
using Mnemosyne.ServiceDefaults.Audit;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// <c>GET /admin/v1/audit</c> (CONTRACT §8): newest first, filtered, in pages. The order is the order entries were
/// stored in (<see cref="AuditEvent.Id"/>) and the cursor is the last id seen, so paging never repeats or skips an
/// entry while new ones arrive (they come before the first page, not between pages). Each filter has an index led by
/// it and followed by the id, so a filtered page reads only the rows it returns.
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

    public static void MapAuditApi(this RouteGroupBuilder admin) =>
        admin.MapGet("/audit", ListAsync).WithSummary("List audit entries newest first: filter by type, principal, outcome, tool, time; page with the cursor.");

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAsync(
        AuthDbContext db, CancellationToken cancellationToken,
        string? type = null, string? principal = null, string? outcome = null, string? tool = null,
        DateTimeOffset? since = null, DateTimeOffset? until = null, int? limit = null, string? cursor = null)
    {
        if (type is not (null or AuditEntry.DecisionType or AuditEntry.AdminType))
        {
            return Problems.BadRequest("Query 'type' must be 'decision' or 'admin'.");
        }

        if (limit is < 1 or > MaxLimit)
        {
            return Problems.BadRequest($"Query 'limit' must be 1 to {MaxLimit}.");
        }

        if ((principal?.Length ?? 0) > AuditIngestApi.MaxTextLength || (outcome?.Length ?? 0) > AuditIngestApi.MaxTextLength
            || (tool?.Length ?? 0) > AuditIngestApi.MaxTextLength)
        {
            return Problems.BadRequest($"Query filters are at most {AuditIngestApi.MaxTextLength} characters.");
        }

        long? before = null;
        if (cursor is not null)
        {
            if (DecodeCursor(cursor) is not { } id)
            {
                return Problems.BadRequest("Query 'cursor' is not a cursor this API gave out.");
            }

            before = id;
        }

        var query = db.AuditEvents.AsNoTracking();
        query = type is null ? query : query.Where(a => a.Type == type);
        query = principal is null ? query : query.Where(a => a.Principal == principal);
        query = outcome is null ? query : query.Where(a => a.Outcome == outcome);
        query = tool is null ? query : query.Where(a => a.Tool == tool);
        query = since is null ? query : query.Where(a => a.Time >= since.Value.ToUniversalTime());
        query = until is null ? query : query.Where(a => a.Time < until.Value.ToUniversalTime());
        query = before is null ? query : query.Where(a => a.Id < before.Value);
        var size = limit ?? DefaultLimit;
        var rows = await query.OrderByDescending(a => a.Id).Take(size + 1).ToListAsync(cancellationToken);

        var items = rows.Take(size).Select(Item).ToList();
        return TypedResults.Ok(new AuditPage(items, rows.Count > size ? EncodeCursor(rows[size - 1].Id) : null));
    }

    private static object Item(AuditEvent row) => row.Type == AuditEntry.AdminType
        ? new AdminItem(row.Time, row.Type, row.Action, row.Target, row.Outcome)
        : new DecisionItem(row.Time, row.Type, row.Principal, row.Kind, row.Tool, row.Outcome, row.Reason, row.LibraryCount, row.TraceId);

    private static string EncodeCursor(long id)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, id);
        return Base64Url.EncodeToString(bytes);
    }

    private static long? DecodeCursor(string cursor)
    {
        Span<byte> bytes = stackalloc byte[9];
        return cursor.Length <= 16 && Base64Url.DecodeFromChars(cursor, bytes, out _, out var written) == System.Buffers.OperationStatus.Done
               && written == 8
            ? BinaryPrimitives.ReadInt64BigEndian(bytes)
            : null;
    }
}
