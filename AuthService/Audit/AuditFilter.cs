using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;
using Mnemosyne.ServiceDefaults.Audit;

namespace Mnemosyne.AuthService.Audit;

/// <summary>
/// What a walk or an export of the trail selects (CONTRACT §8), and the order both read in: by the entry's
/// <see cref="AuditEvent.Time"/>, ties broken by <see cref="AuditEvent.Id"/>, never past the walk's
/// <c>ceiling</c> (the highest id stored when it began). Each filter has an index led by it and followed by time
/// and id, so every query here is an index scan that reads only the rows it returns.
/// </summary>
public sealed record AuditFilter(
    string? Type, string? Principal, string? Outcome, string? Tool, DateTimeOffset? Since, DateTimeOffset? Until)
{
    /// <summary>The filter the query asked for, or the sentence saying which parameter is wrong.</summary>
    public static (AuditFilter? Filter, string? Error) From(
        string? type, string? principal, string? outcome, string? tool, DateTimeOffset? since, DateTimeOffset? until)
    {
        if (type is not (null or AuditEntry.DecisionType or AuditEntry.AdminType))
        {
            return (null, "Query 'type' must be 'decision' or 'admin'.");
        }

        if ((principal?.Length ?? 0) > AuditEntry.MaxTextLength || (outcome?.Length ?? 0) > AuditEntry.MaxTextLength
            || (tool?.Length ?? 0) > AuditEntry.MaxTextLength)
        {
            return (null, $"Query filters are at most {AuditEntry.MaxTextLength} characters.");
        }

        return (new AuditFilter(type, principal, outcome, tool, since?.ToUniversalTime(), until?.ToUniversalTime()), null);
    }

    /// <summary>The highest id stored now: a walk that begins here reads only what existed at this moment.</summary>
    public static async Task<long> CeilingAsync(AuthDbContext db, CancellationToken cancellationToken) =>
        await db.AuditEvents.MaxAsync(a => (long?)a.Id, cancellationToken) ?? 0;

    /// <summary>Up to <paramref name="count"/> entries below <paramref name="before"/> (or from the newest), newest first.</summary>
    public IQueryable<AuditEvent> NewestFirst(AuthDbContext db, long ceiling, (DateTimeOffset Time, long Id)? before, int count)
    {
        var query = Select(db, ceiling);
        if (before is var (time, id))
        {
            query = query.Where(a => EF.Functions.LessThan(ValueTuple.Create(a.Time, a.Id), ValueTuple.Create(time, id)));
        }

        return query.OrderByDescending(a => a.Time).ThenByDescending(a => a.Id).Take(count);
    }

    /// <summary>Up to <paramref name="count"/> entries above <paramref name="after"/> (or from the oldest), oldest first.</summary>
    public IQueryable<AuditEvent> OldestFirst(AuthDbContext db, long ceiling, (DateTimeOffset Time, long Id)? after, int count)
    {
        var query = Select(db, ceiling);
        if (after is var (time, id))
        {
            query = query.Where(a => EF.Functions.GreaterThan(ValueTuple.Create(a.Time, a.Id), ValueTuple.Create(time, id)));
        }

        return query.OrderBy(a => a.Time).ThenBy(a => a.Id).Take(count);
    }

    private IQueryable<AuditEvent> Select(AuthDbContext db, long ceiling)
    {
        var query = db.AuditEvents.AsNoTracking().Where(a => a.Id <= ceiling);
        query = Type is null ? query : query.Where(a => a.Type == Type);
        query = Principal is null ? query : query.Where(a => a.Principal == Principal);
        query = Outcome is null ? query : query.Where(a => a.Outcome == Outcome);
        query = Tool is null ? query : query.Where(a => a.Tool == Tool);
        query = Since is null ? query : query.Where(a => a.Time >= Since.Value);
        return Until is null ? query : query.Where(a => a.Time < Until.Value);
    }
}
