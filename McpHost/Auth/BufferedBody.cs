using System.Buffers;

namespace Mnemosyne.McpHost.Auth;

/// <summary>Reads a request body into memory up to a limit and puts it back so the next reader sees it whole.</summary>
public static class BufferedBody
{
    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        // A declared length (what MCP clients send): one exact buffer, read into directly, no copy.
        if (request.ContentLength is { } length)
        {
            var body = new byte[length];
            try
            {
                await request.Body.ReadExactlyAsync(body, cancellationToken);
            }
            catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return null;
            }
            catch (EndOfStreamException)
            {
                throw new BadHttpRequestException("Request body ended before its declared length.", StatusCodes.Status400BadRequest);
            }

            request.Body = new MemoryStream(body, writable: false);
            return body;
        }

        // A chunked body (what the MCP SDK's client sends) is read into a pooled chunk and kept as an exact copy; one
        // larger than the chunk spills into a stream that grows as it comes, up to the limit.
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        MemoryStream? spilled = null;
        var filled = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
                if ((spilled?.Length ?? 0) + filled > limit)
                {
                    return null;
                }

                if (filled == chunk.Length)
                {
                    spilled ??= new MemoryStream(2 * chunk.Length);
                    spilled.Write(chunk, 0, filled);
                    filled = 0;
                }
            }

            if (spilled is null)
            {
                var body = chunk.AsSpan(0, filled).ToArray();
                request.Body = new MemoryStream(body, writable: false);
                return body;
            }

            spilled.Write(chunk, 0, filled);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        spilled.Position = 0;
        request.Body = spilled;
        return spilled.GetBuffer().AsMemory(0, (int)spilled.Length);
    }
}
