using System.Diagnostics;

namespace Mnemosyne.ServiceDefaults.Audit;

/// <summary>
/// One row of the audit trail (CONTRACT §8): a tool-call decision or an admin change. It holds codes, names and
/// counts only — never a token, a secret or a document's content.
/// </summary>
public sealed record AuditEntry(
    DateTimeOffset Time, string Type, string? Principal, string? Kind, string? Tool, string Outcome, string? Reason,
    int? LibraryCount, string? TraceId, string? Action, string? Target)
{
    public const string DecisionType = "decision";
    public const string AdminType = "admin";

    /// <summary>Longest text kept in a field; longer ones (a caller can name a tool or a path of any length) are cut.</summary>
    public const int MaxTextLength = 300;

    /// <summary>A <c>tools/call</c> decision: <paramref name="outcome"/> is <c>allowed</c> or <c>refused</c>.</summary>
    public static AuditEntry Decision(
        DateTimeOffset time, string? principal, string? kind, string? tool, string outcome, string? reason, int libraryCount) =>
        new(time, DecisionType, Bound(principal), Bound(kind), Bound(tool), outcome, Bound(reason), libraryCount, CurrentTraceId(), null, null);

    /// <summary>An admin change: <paramref name="outcome"/> is <c>succeeded</c> or <c>failed</c>.</summary>
    public static AuditEntry AdminChange(DateTimeOffset time, string action, string target, string outcome) =>
        new(time, AdminType, null, null, null, outcome, null, null, CurrentTraceId(), Bound(action), Bound(target));

    private static string? Bound(string? text) => text is { Length: > MaxTextLength } ? text[..(MaxTextLength - 1)] + "…" : text;

    private static string? CurrentTraceId() => Activity.Current?.TraceId.ToHexString();
}

/// <summary>Where audit entries go. <see cref="Record"/> never blocks and never fails the call that is audited.</summary>
public interface IAuditSink
{
    void Record(AuditEntry entry);
}
