using System.Text.Json;

namespace Mnemosyne.ServiceDefaults.Neo4j;

/// <summary>The columns and rows of one statement's result, whichever endpoint produced it.</summary>
public sealed record Neo4jResult(IReadOnlyList<string> Fields, IReadOnlyList<JsonElement[]> Rows);
