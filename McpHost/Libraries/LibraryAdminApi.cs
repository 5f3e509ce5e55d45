using Microsoft.AspNetCore.Http.HttpResults;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>Library content admin (CONTRACT §4), behind the same admin key as auth-service's admin API.</summary>
public static class LibraryAdminApi
{
    public sealed record LibraryRequest(string? Name, string? Workspace);

    public sealed record DocumentRequest(string? Title, string? Content);

    public sealed record DocumentSummary(string Uid, string Library, string Title);

    public static IEndpointRouteBuilder MapLibraryAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/v1/libraries")
            .AddEndpointFilter<AdminKeyFilter>()
            .AuditsChanges()
            .InvalidatesCachedDecisions()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        admin.MapGet("/", async (ILibraryStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAllLibrariesAsync(ct)))
            .WithSummary("List every library with its workspace and document count.");
        admin.MapPut("/{uid}", PutLibraryAsync).WithSummary("Create or update a library (name, workspace).");
        admin.MapDelete("/{uid}", DeleteLibraryAsync).WithSummary("Delete a library and its documents.");
        admin.MapPut("/{uid}/documents/{documentUid}", PutDocumentAsync).WithSummary("Create or update a document (title, content).");
        admin.MapDelete("/{uid}/documents/{documentUid}", DeleteDocumentAsync).WithSummary("Delete a document.");
        return app;
    }

    private static async Task<Results<Created<LibrarySummary>, Ok<LibrarySummary>, ProblemHttpResult>> PutLibraryAsync(
        string uid, LibraryRequest body, HttpContext context, ILibraryStore store, CancellationToken cancellationToken)
    {
        if ((Uid(uid, "uid")
                ?? Fields.RequiredText(body.Name, "name", LibraryLimits.NameLength)
                ?? Fields.RequiredText(body.Workspace, "workspace", LibraryLimits.IdentifierLength)) is { } error)
        {
            return TypedResults.Problem(title: error, statusCode: StatusCodes.Status400BadRequest);
        }

        // The workspace it leaves (if it moves) and the one it is in: the team and OAuth tokens that see either.
        var before = await store.ListLibrariesAsync([uid], cancellationToken);
        InvalidationReach.Declare(context, InvalidationReach.Of(
            [.. before.Select(library => Dependency.Workspace(library.Workspace)), Dependency.Workspace(body.Workspace!)]));
        var created = await store.UpsertLibraryAsync(uid, body.Name!, body.Workspace!, cancellationToken);
        var summary = (await store.ListLibrariesAsync([uid], cancellationToken))[0];
        return created ? TypedResults.Created($"/admin/v1/libraries/{Uri.EscapeDataString(uid)}", summary) : TypedResults.Ok(summary);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteLibraryAsync(
        string uid, HttpContext context, ILibraryStore store, CancellationToken cancellationToken)
    {
        var before = await store.ListLibrariesAsync([uid], cancellationToken);
        InvalidationReach.Declare(context, InvalidationReach.Of(before.Select(library => Dependency.Workspace(library.Workspace))));
        return await store.DeleteLibraryAsync(uid, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(title: $"Library '{uid}' does not exist.", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Created<DocumentSummary>, Ok<DocumentSummary>, ProblemHttpResult>> PutDocumentAsync(
        string uid, string documentUid, DocumentRequest body, HttpContext context, ILibraryStore store,
        CancellationToken cancellationToken)
    {
        // What a document says changes no one's access.
        InvalidationReach.Declare(context, InvalidationReach.Nothing);
        if ((Uid(uid, "uid") ?? Uid(documentUid, "documentUid")
                ?? Fields.RequiredText(body.Title, "title", LibraryLimits.NameLength)
                ?? (body.Content is null ? "Field 'content' is required." : null)) is { } error)
        {
            return TypedResults.Problem(title: error, statusCode: StatusCodes.Status400BadRequest);
        }

        var summary = new DocumentSummary(documentUid, uid, body.Title!);
        return await store.UpsertDocumentAsync(uid, documentUid, body.Title!, body.Content!, cancellationToken) switch
        {
            DocumentWrite.Created => TypedResults.Created(
                $"/admin/v1/libraries/{Uri.EscapeDataString(uid)}/documents/{Uri.EscapeDataString(documentUid)}", summary),
            DocumentWrite.Updated => TypedResults.Ok(summary),
            DocumentWrite.LibraryNotFound => TypedResults.Problem(title: $"Library '{uid}' does not exist.",
                statusCode: StatusCodes.Status404NotFound),
            _ => TypedResults.Problem(title: $"Document '{documentUid}' already belongs to another library.",
                statusCode: StatusCodes.Status409Conflict),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteDocumentAsync(
        string uid, string documentUid, HttpContext context, ILibraryStore store, CancellationToken cancellationToken)
    {
        InvalidationReach.Declare(context, InvalidationReach.Nothing);
        return await store.DeleteDocumentAsync(uid, documentUid, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(title: $"Document '{documentUid}' does not exist in library '{uid}'.",
                statusCode: StatusCodes.Status404NotFound);
    }

    private static string? Uid(string value, string field) => Fields.RequiredText(value, field, LibraryLimits.IdentifierLength);
}
