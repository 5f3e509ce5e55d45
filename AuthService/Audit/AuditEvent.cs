namespace Mnemosyne.AuthService.Audit;

/// <summary>A stored audit entry (<see cref="ServiceDefaults.Audit.AuditEntry"/>); <see cref="Id"/> orders them as recorded.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset Time { get; set; }
    public required string Type { get; set; }
    public string? Principal { get; set; }
    public string? Kind { get; set; }
    public string? Tool { get; set; }
    public required string Outcome { get; set; }
    public string? Reason { get; set; }
    public int? LibraryCount { get; set; }
    public string? TraceId { get; set; }
    public string? Action { get; set; }
    public string? Target { get; set; }
}
