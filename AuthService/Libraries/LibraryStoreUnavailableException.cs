namespace Mnemosyne.AuthService.Libraries;

/// <summary>The library store could not answer; team tokens are then refused with <c>unavailable</c>.</summary>
public sealed class LibraryStoreUnavailableException(string store, Exception inner)
    : Exception($"Library store ({store}) is unavailable.", inner);
