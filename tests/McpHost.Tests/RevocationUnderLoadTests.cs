using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>The nine kinds of revocation of CONTRACT §9 under load on two replicas of each service (<see cref="RevocationUnderLoad"/>).</summary>
public sealed class RevocationUnderLoadTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    public static TheoryData<string> Kinds => [.. RevocationScenarios.Kinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public Task No_call_started_after_the_revoking_admin_call_answered_is_allowed(string kind) =>
        RevocationUnderLoad.RunAsync(fixture, kind, replicas => RevocationScenarios.ArrangeAsync(kind, replicas.FirstAuth,
            replicas.SecondAuth, replicas.FirstLibraries, replicas.SecondLibraries, fixture.Time.GetUtcNow()));
}
