using System.Net;

namespace Mnemosyne.Bench;

/// <summary>
/// A request body sent a few bytes at a time with a pause after each piece, with no declared length (so chunked),
/// as a slow or hostile client sends one: <paramref name="pause"/> after every <paramref name="piece"/> bytes, and
/// <paramref name="stallAfter"/> bytes in, one long <paramref name="stall"/>.
/// </summary>
public sealed class TrickledContent(byte[] content, int piece, TimeSpan pause, int stallAfter = -1, TimeSpan stall = default) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var offset = 0; offset < content.Length; offset += piece)
        {
            if (offset == stallAfter)
            {
                await Task.Delay(stall);
            }

            await stream.WriteAsync(content.AsMemory(offset, Math.Min(piece, content.Length - offset)));
            await stream.FlushAsync();
            await Task.Delay(pause);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
