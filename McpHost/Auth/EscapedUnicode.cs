namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Whether the escaped text of a JSON string or key (as a reader sees it, between the quotes) spells valid Unicode:
/// the reader accepts <c>"\ud800"</c>, and reading such text as a string then throws. The same rule as that read
/// (System.Text.Json's unescaping): a <c>\u</c> escape of a low surrogate, or of a high one not followed by a
/// <c>\u</c> escape of a low one, is a lone surrogate.
/// </summary>
internal static class EscapedUnicode
{
    private const int HighFirst = 0xD800, LowFirst = 0xDC00, LowLast = 0xDFFF;

    /// <summary>True when <paramref name="escaped"/> (already valid JSON string content) escapes a lone surrogate.</summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<byte> escaped)
    {
        var at = escaped.IndexOf((byte)'\\');
        while (at >= 0 && at < escaped.Length - 1)
        {
            if (escaped[at + 1] != 'u')
            {
                at = Next(escaped, at + 2);
                continue;
            }

            var unit = Hex(escaped.Slice(at + 2, 4));
            at += 6;
            if (unit is >= HighFirst and <= LowLast)
            {
                if (unit >= LowFirst || at + 6 > escaped.Length || escaped[at] != '\\' || escaped[at + 1] != 'u'
                    || Hex(escaped.Slice(at + 2, 4)) is < LowFirst or > LowLast)
                {
                    return true;
                }

                at += 6;
            }

            at = Next(escaped, at);
        }

        return false;
    }

    private static int Next(ReadOnlySpan<byte> escaped, int from) =>
        from >= escaped.Length ? -1 : escaped[from..].IndexOf((byte)'\\') is var found and >= 0 ? from + found : -1;

    // The reader has checked that four hex digits follow every \u.
    private static int Hex(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var digit in digits)
        {
            value = (value << 4) | (digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10);
        }

        return value;
    }
}
