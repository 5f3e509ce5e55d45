using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// The keys of every object a forward pass over a body is inside, to find what <see cref="JsonDocument"/> with
/// <c>AllowDuplicateProperties = false</c> refuses, at any depth: a key an object repeats, compared as the text it
/// spells (<c>"method"</c> and <c>"\u006dethod"</c> are one key), or an escaped key that is not valid Unicode. The
/// document checks an object once every object inside it is checked and stops at the first fault, so the fault
/// that counts (<see cref="First"/>) is that of the first object to close with one. A tiny body's keys fit in the
/// caller's stack memory, kept as places in the body; an object of more than <see cref="SmallObject"/> keys moves
/// to a hash set, so a body of many keys costs linear time, not quadratic.
/// </summary>
internal ref struct RepeatedKeys
{
    /// <summary>Objects open at once: a reader refuses nesting deeper than 64, and the root is one more.</summary>
    public const int MaxOpen = 65;

    /// <summary>Keys kept in the caller's memory before a larger buffer is rented (every open object's together).</summary>
    public const int InitialKeys = 32;

    private const int SmallObject = 16;

    private readonly ReadOnlySpan<byte> _body;
    private readonly Span<Open> _open;
    private Span<Key> _keys;
    private Key[]? _rentedKeys;
    private byte[]? _unescaped;
    private List<HashSet<string>>? _large;
    private int _openCount;
    private int _keyCount;
    private int _unescapedLength;

    public RepeatedKeys(ReadOnlySpan<byte> body, Span<Open> open, Span<Key> keys)
    {
        _body = body;
        _open = open;
        _keys = keys;
    }

    /// <summary>The fault of the first object that closed with one; once set, nothing more is tracked.</summary>
    public Fault First { get; private set; }

    public enum Fault : byte
    {
        None,
        Repeated,
        NotUnicode,
    }

    /// <summary>An open object: where its keys start in the key stack, how many, its fault, its hash set if large.</summary>
    public struct Open
    {
        public int FirstKey;
        public int KeyCount;
        public int LargeIndex;
        public Fault Fault;
    }

    /// <summary>Where a key's text is: in the body when it was not escaped, else in the unescaped buffer.</summary>
    public readonly record struct Key(int Start, int Length, bool Unescaped);

    public void OpenObject()
    {
        if (First == Fault.None)
        {
            _open[_openCount++] = new Open { FirstKey = _keyCount, LargeIndex = -1 };
        }
    }

    public void CloseObject()
    {
        if (First == Fault.None)
        {
            var closing = _open[--_openCount];
            First = closing.Fault;
            _keyCount = closing.FirstKey;
        }
    }

    /// <summary>
    /// Adds the key the reader is on to the innermost open object; returns its text, or nothing once this object
    /// (or an earlier one) has a fault, since the body is then refused whatever follows.
    /// </summary>
    public ReadOnlySpan<byte> Add(ref readonly Utf8JsonReader reader)
    {
        if (First != Fault.None)
        {
            return default;
        }

        ref var current = ref _open[_openCount - 1];
        if (current.Fault != Fault.None)
        {
            return default;
        }

        Key key;
        if (!reader.ValueIsEscaped)
        {
            key = new Key(checked((int)reader.TokenStartIndex + 1), reader.ValueSpan.Length, Unescaped: false);
        }
        else if (EscapedUnicode.HasLoneSurrogate(reader.ValueSpan))
        {
            current.Fault = Fault.NotUnicode;
            return default;
        }
        else
        {
            // Unescaped text is never longer than its escaped form, so one buffer of the body's length holds every key's.
            _unescaped ??= ArrayPool<byte>.Shared.Rent(_body.Length);
            var length = reader.CopyString(_unescaped.AsSpan(_unescapedLength));
            key = new Key(_unescapedLength, length, Unescaped: true);
            _unescapedLength += length;
        }

        var text = Text(key);
        if (current.LargeIndex >= 0)
        {
            if (!_large![current.LargeIndex].Add(Encoding.UTF8.GetString(text)))
            {
                current.Fault = Fault.Repeated;
                return default;
            }

            return text;
        }

        for (var i = current.FirstKey; i < current.FirstKey + current.KeyCount; i++)
        {
            if (Text(_keys[i]).SequenceEqual(text))
            {
                current.Fault = Fault.Repeated;
                return default;
            }
        }

        if (current.KeyCount == SmallObject)
        {
            MoveToHashSet(ref current, text);
        }
        else
        {
            Push(key);
            current.KeyCount++;
        }

        return text;
    }

    public void Dispose()
    {
        if (_rentedKeys is not null)
        {
            ArrayPool<Key>.Shared.Return(_rentedKeys);
        }

        if (_unescaped is not null)
        {
            ArrayPool<byte>.Shared.Return(_unescaped);
        }
    }

    private readonly ReadOnlySpan<byte> Text(Key key) =>
        key.Unescaped ? _unescaped.AsSpan(key.Start, key.Length) : _body.Slice(key.Start, key.Length);

    // Valid UTF-8 (the body was checked) and its string are one-to-one, so comparing strings compares the keys' text.
    private void MoveToHashSet(ref Open current, ReadOnlySpan<byte> text)
    {
        var set = new HashSet<string>(StringComparer.Ordinal) { Encoding.UTF8.GetString(text) };
        for (var i = current.FirstKey; i < current.FirstKey + current.KeyCount; i++)
        {
            set.Add(Encoding.UTF8.GetString(Text(_keys[i])));
        }

        (_large ??= []).Add(set);
        current.LargeIndex = _large.Count - 1;
        current.KeyCount = 0;
        _keyCount = current.FirstKey;
    }

    private void Push(Key key)
    {
        if (_keyCount == _keys.Length)
        {
            var larger = ArrayPool<Key>.Shared.Rent(_keys.Length * 2);
            _keys.CopyTo(larger);
            if (_rentedKeys is not null)
            {
                ArrayPool<Key>.Shared.Return(_rentedKeys);
            }

            _rentedKeys = larger;
            _keys = larger;
        }

        _keys[_keyCount++] = key;
    }
}
