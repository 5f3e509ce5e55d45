using Microsoft.AspNetCore.Http.HttpResults;
using Mnemosyne.ServiceDefaults.Audit;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// <c>POST /v1/audit</c>: mcp-host's decisions and library-admin changes, sent in batches, into the same trail as
/// auth-service's own entries (<see cref="IAuditSink"/>). Bounded: at most <see cref="MaxEntries"/> entries a call,
/// each text at most <see cref="MaxTextLength"/> characters.
/// </summary>
public static class AuditIngestApi
{
    public const int MaxEntries = 1000;
    public const int MaxTextLength = AuditEntry.MaxTextLength;

    public static void MapAuditIngestApi(this RouteGroupBuilder internalApi) =>
        internalApi.MapPost("/audit", Record).ProducesProblem(StatusCodes.Status400BadRequest);

    private static Results<NoContent, ProblemHttpResult> Record(List<AuditEntry>? body, IAuditSink audit)
    {
        if (body is null || body.Count > MaxEntries)
        {
            return Problems.BadRequest($"Body must be a list of at most {MaxEntries} audit entries.");
        }

        foreach (var entry in body)
        {
            if (entry.Type is not (AuditEntry.DecisionType or AuditEntry.AdminType) || string.IsNullOrEmpty(entry.Outcome)
                || new[] { entry.Principal, entry.Kind, entry.Tool, entry.Outcome, entry.Reason, entry.TraceId, entry.Action, entry.Target }
                    .Any(text => text?.Length > MaxTextLength))
            {
                return Problems.BadRequest(
                    $"Each entry needs 'type' (decision or admin) and 'outcome'; texts are at most {MaxTextLength} characters.");
            }
        }

        foreach (var entry in body)
        {
            audit.Record(entry);
        }

        return TypedResults.NoContent();
    }
}
