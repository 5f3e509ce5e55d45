namespace Mnemosyne.AuthService.Data;

public sealed class User
{
    public Guid Id { get; set; }
    public required string Username { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
}
