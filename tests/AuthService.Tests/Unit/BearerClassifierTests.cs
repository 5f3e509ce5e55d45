using System.Buffers.Text;
using System.Text;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Tests.Unit;

/// <summary>CONTRACT §2: a JWT is three dot-separated parts whose first is a base64url JSON object with a string alg.</summary>
public sealed class BearerClassifierTests
{
    private static string Segment(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void Three_parts_with_a_json_header_naming_an_alg_is_a_jwt()
    {
        Assert.True(BearerClassifier.TryReadJwtHeader(Segment("""{"alg":"HS256","kid":"k1"}""") + ".e30.sig", out var header));
        Assert.Equal("k1", header.GetProperty("kid").GetString());
        Assert.True(BearerClassifier.TryReadJwtHeader(Segment("""{"alg":"none"}""") + "..", out _));
    }

    [Theory]
    [InlineData("mnm_abcdefghijklmnopqrstuvwxyz0123456789")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData(".e30.sig")]
    [InlineData("!!!.e30.sig")]
    public void Anything_without_the_shape_is_opaque(string bearer) => Assert.False(BearerClassifier.TryReadJwtHeader(bearer, out _));

    [Theory]
    [InlineData("""{"typ":"JWT"}""")]
    [InlineData("""{"alg":256}""")]
    [InlineData("""{"alg":null}""")]
    [InlineData("""["alg","HS256"]""")]
    [InlineData("\"HS256\"")]
    [InlineData("""{"alg":"HS256" """)]
    public void A_header_that_is_not_an_object_with_a_string_alg_is_opaque(string header) =>
        Assert.False(BearerClassifier.TryReadJwtHeader(Segment(header) + ".e30.sig", out _));

    [Fact]
    public void Standard_base64_characters_are_not_base64url()
    {
        // {"alg":"HS256","x":"??>"} encodes with '+' or '/' in standard base64; base64url has '-' and '_' there.
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"alg":"HS256","x":"??>"}""")).TrimEnd('=');
        Assert.True(standard.Contains('+', StringComparison.Ordinal) || standard.Contains('/', StringComparison.Ordinal));

        Assert.False(BearerClassifier.TryReadJwtHeader(standard + ".e30.sig", out _));
        Assert.True(BearerClassifier.TryReadJwtHeader(standard.Replace('+', '-').Replace('/', '_') + ".e30.sig", out _));
    }

    [Fact]
    public void A_header_that_is_not_valid_utf8_is_opaque_not_an_error()
    {
        var header = Base64Url.EncodeToString([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);

        Assert.False(BearerClassifier.TryReadJwtHeader(header + ".e30.sig", out _));
    }

    [Fact]
    public void A_header_with_text_that_cannot_be_read_is_opaque_not_an_error()
    {
        // An escaped lone surrogate parses as JSON, then throws when read: refused once, here.
        Assert.False(BearerClassifier.TryReadJwtHeader(Segment("""{"alg":"HS256","kid":"\ud800"}""") + ".e30.sig", out _));
        Assert.False(BearerClassifier.TryDecodeJsonObject(Segment("""{"sub":["\udc00"]}"""), out _));
    }

    [Fact]
    public void Padding_is_not_base64url()
    {
        Span<byte> bytes = stackalloc byte[8];

        Assert.True(BearerClassifier.TryDecode("YWJj", bytes, out var written));
        Assert.Equal(3, written);
        Assert.False(BearerClassifier.TryDecode("YWI=", bytes, out _));
        Assert.False(BearerClassifier.TryDecode("YWJj==", bytes, out _));
    }
}
