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

        // A chunked body grows a buffer as it comes, up to the limit.
        var buffer = new MemoryStream(4096);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        buffer.Position = 0;
        request.Body = buffer;
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
