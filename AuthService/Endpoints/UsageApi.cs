using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Tokens;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// <c>POST /v1/usage</c>: opaque-token calls that mcp-host answered from its decision cache, reported by SHA-256 of
/// the token, added to the same usage counts as resolutions (<see cref="TokenUsageRecorder"/>).
/// </summary>
public static class UsageApi
{
    public const int MaxRows = 10_000;

    public sealed record UsageRow(string? TokenHash, long Count, DateTimeOffset LastUsedAt);

    public static void MapUsageApi(this RouteGroupBuilder internalApi) =>
        internalApi.MapPost("/usage", RecordAsync).ProducesProblem(StatusCodes.Status400BadRequest);

    private static async Task<Results<NoContent, ProblemHttpResult>> RecordAsync(
        List<UsageRow>? body, AuthDbContext db, TokenUsageRecorder usage, CancellationToken cancellationToken)
    {
        if (body is null || body.Count > MaxRows)
        {
            return Problems.BadRequest($"Body must be a list of at most {MaxRows} usage rows.");
        }

        var hashes = new List<byte[]>(body.Count);
        foreach (var row in body)
        {
            if (row.TokenHash is not { Length: 64 } hex || !IsHex(hex) || row.Count is < 1 or > int.MaxValue)
            {
                return Problems.BadRequest("Each usage row needs 'tokenHash' (64 hex characters) and 'count' (1 or more).");
            }

            hashes.Add(Convert.FromHexString(hex));
        }

        var ids = await db.OpaqueTokens.AsNoTracking().Where(t => hashes.Contains(t.TokenHash))
            .Select(t => new { t.Id, t.TokenHash }).ToListAsync(cancellationToken);
        var byHash = ids.ToDictionary(t => Convert.ToHexStringLower(t.TokenHash), t => t.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var row in body)
        {
            if (byHash.TryGetValue(row.TokenHash!, out var id))
            {
                usage.Record(id, new TokenUsage(row.Count, row.LastUsedAt));
            }
        }

        return TypedResults.NoContent();
    }

    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigit);
}
