namespace Mnemosyne.AuthService;

/// <summary>Bounds on everything a caller can send; checked by the endpoints and mirrored in the schema.</summary>
public static class Limits
{
    public const int NameLength = 150;
    public const int IdentifierLength = 200;
    public const int ToolNameLength = 128;
    public const int BearerLength = 4096;
    public const int JtiLength = 128;
    public const long RequestBodyBytes = 256 * 1024;
}
