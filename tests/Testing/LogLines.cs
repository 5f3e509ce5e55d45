using Microsoft.Extensions.Logging.Testing;

namespace Mnemosyne.Testing;

public static class LogLines
{
    /// <summary>
    /// Every line a host logged, one string each: level, category, message, structured values as <c>Key=value</c>,
    /// exception — so a test can search for a value (or assert that a secret appears nowhere).
    /// </summary>
    public static IReadOnlyList<string> Lines(this FakeLogCollector logs) =>
        logs.GetSnapshot().Select(record =>
            $"{record.Level} {record.Category} {record.Message} " +
            string.Join(' ', (record.StructuredState ?? []).Select(p => $"{p.Key}={p.Value}")) +
            $" {record.Exception}").ToList();
}
