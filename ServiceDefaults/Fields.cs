namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Checks on request fields. Each returns null when the value is fine, else the sentence (naming the field)
/// that becomes the 400 problem's title.
/// </summary>
public static class Fields
{
    public const int MaxRateLimitPerMinute = 1_000_000;

    /// <summary>Longest tool name anywhere: in a token's allow-list, a resolve request, a <c>tools/call</c>.</summary>
    public const int MaxToolNameLength = 128;

    /// <summary>An optional per-minute budget: null (the default applies) or 0 (unlimited) to <see cref="MaxRateLimitPerMinute"/>.</summary>
    public static string? RateLimit(int? perMinute) =>
        perMinute is < 0 or > MaxRateLimitPerMinute
            ? $"Field 'rateLimitPerMinute' must be null, 0 (unlimited) or up to {MaxRateLimitPerMinute}."
            : null;

    public static string? RequiredText(string? value, string field, int maxLength)
    {
        if (value is null)
        {
            return $"Field '{field}' is required.";
        }

        return value.Trim().Length == 0 || value.Length > maxLength
            ? $"Field '{field}' must be 1 to {maxLength} characters."
            : null;
    }

    public static string? Username(string? value, int maxLength, string field = "username")
    {
        if (RequiredText(value, field, maxLength) is { } error)
        {
            return error;
        }

        return value!.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or '+')
            ? null
            : $"Field '{field}' may contain only letters, digits and . _ - @ +.";
    }

    /// <summary>Most items a list field may hold.</summary>
    public const int MaxListLength = 1000;

    /// <summary>A list of non-empty strings; <paramref name="required"/> false allows null (absent).</summary>
    public static string? TextList(IReadOnlyList<string?>? values, string field, bool required, int maxItemLength)
    {
        if (values is null)
        {
            return required ? $"Field '{field}' is required (a list of strings, may be empty)." : null;
        }

        if (values.Count > MaxListLength)
        {
            return $"Field '{field}' may hold at most {MaxListLength} items.";
        }

        return values.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > maxItemLength)
            ? $"Field '{field}' must hold strings of 1 to {maxItemLength} characters."
            : null;
    }

    /// <summary>The list without duplicates, in the order given.</summary>
    public static string[] Distinct(IReadOnlyList<string?> values) => values.Select(v => v!).Distinct(StringComparer.Ordinal).ToArray();
}
