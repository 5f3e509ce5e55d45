using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Data;

namespace Mnemosyne.AuthService.Audit;

/// <summary>
/// Streams the entries a filter selects as NDJSON, oldest first (CONTRACT §8, for a SIEM), with flat memory: the
/// rows are read in keyset chunks of <see cref="ChunkSize"/> (no long transaction, no result held whole), each row
/// written as it is read and the response flushed every <see cref="FlushBytes"/>. Like a walk, the export reads only
/// entries stored when it began (its ceiling), so entries arriving meanwhile are neither half-included nor repeated.
/// </summary>
public static class AuditExport
{
    public const int ChunkSize = 5000;
    private const int FlushBytes = 64 * 1024;

    public static async Task WriteAsync(
        Stream body, AuthDbContext db, AuditFilter filter, Func<AuditEvent, object> item, JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        var pipe = PipeWriter.Create(body, new StreamPipeWriterOptions(leaveOpen: true));
        await using var writer = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
        var ceiling = await AuditFilter.CeilingAsync(db, cancellationToken);
        (DateTimeOffset Time, long Id)? after = null;
        int read;
        do
        {
            read = 0;
            await foreach (var row in filter.OldestFirst(db, ceiling, after, ChunkSize).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                JsonSerializer.Serialize(writer, item(row), json);
                writer.Flush();
                writer.Reset();
                pipe.Write("\n"u8);
                after = (row.Time, row.Id);
                read++;
                if (pipe.UnflushedBytes >= FlushBytes)
                {
                    await pipe.FlushAsync(cancellationToken);
                }
            }
        }
        while (read == ChunkSize);

        await pipe.CompleteAsync();
    }
}
