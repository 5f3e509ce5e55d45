using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Mnemosyne.McpHost.Auth;

/// <summary>Reads a request body into memory up to a limit and puts it back so the next reader sees it whole.</summary>
public static class BufferedBody
{
    /// <summary>
    /// How far past the limit Kestrel may read a refused body's rest and drop it (it does so once the request ends,
    /// up to its own limit), so that the connection closes with nothing left unread. A socket closed with unread data
    /// is reset, and a client still writing its body then saw the reset instead of the 413 (a 16 MiB body did so
    /// every time): Kestrel's limit is the gate's own otherwise (RequestLimits), and it stopped reading there.
    /// </summary>
    private const long DrainedPastLimit = 32 * 1024 * 1024;

    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        // The limit is kept here; Kestrel's own moves past it for this request (DrainedPastLimit).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrelLimit)
        {
            kestrelLimit.MaxRequestBodySize = limit + DrainedPastLimit;
        }

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
