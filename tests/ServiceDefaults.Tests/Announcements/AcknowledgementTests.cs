using Mnemosyne.ServiceDefaults.Announcements;

namespace Mnemosyne.ServiceDefaults.Tests.Announcements;

/// <summary>The acknowledgement's wire form, shared by the Redis and the Postgres transport.</summary>
public sealed class AcknowledgementTests
{
    [Fact]
    public void An_acknowledgement_reads_back_as_it_was_written()
    {
        var written = new Acknowledgement(1764738000123456, Acknowledgement.NewReplicaId());

        Assert.True(Acknowledgement.TryParse(written.ToString(), out var read));
        Assert.Equal(written, read);
        Assert.Matches("^[0-9a-f]{32}$", written.Replica);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("42")]
    [InlineData(":0123456789abcdef0123456789abcdef")]
    [InlineData("-1:0123456789abcdef0123456789abcdef")]
    [InlineData("+1:0123456789abcdef0123456789abcdef")]
    [InlineData("1.5:0123456789abcdef0123456789abcdef")]
    [InlineData("99999999999999999999:0123456789abcdef0123456789abcdef")]
    [InlineData("7:0123456789ABCDEF0123456789abcdef")]
    [InlineData("7:0123456789abcdef0123456789abcde")]
    [InlineData("7:0123456789abcdef0123456789abcdef0")]
    [InlineData("7:0123456789abcdef:123456789abcdef")]
    [InlineData("1f3e6b2c-0000-4000-8000-000000000000:0123456789abcdef0123456789abcdef")]
    public void Anything_but_a_generation_and_a_replica_name_is_not_an_acknowledgement(string? text)
    {
        Assert.False(Acknowledgement.TryParse(text, out var read));
        Assert.Null(read);
    }
}
