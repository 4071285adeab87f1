using Microsoft.OpenApi;

namespace MedicalAid.Api.Tests.Reliability;

public sealed record FuzzParameter(string Name, ParameterLocation In, bool Required, IOpenApiSchema? Schema);

/// <summary>One operation of the OpenAPI document: method, path template, parameters and request body.</summary>
public sealed record FuzzOperation(HttpMethod Method, string Path, string Id, IReadOnlyList<FuzzParameter> Parameters, string? BodyMediaType, IOpenApiSchema? BodySchema)
{
    /// <summary>Staff endpoints live under /api/v1/admin (docs/design.md §5); the rest are the hospitals'.</summary>
    public bool IsStaff => Path.StartsWith("/api/v1/admin/", StringComparison.Ordinal);

    public override string ToString() => $"{Method} {Path} ({Id})";
}

/// <summary>The service's own OpenAPI document, read with Microsoft.OpenApi: every operation, and how callers authenticate.</summary>
public sealed record OpenApiCatalog(IReadOnlyList<FuzzOperation> Operations, string ApiKeyHeader, string BearerScheme)
{
    public const string DocumentPath = "/swagger/v1/swagger.json";

    public static async Task<OpenApiCatalog> LoadAsync(HttpClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await using var stream = await client.GetStreamAsync(new Uri(DocumentPath, UriKind.Relative), cancellationToken);
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(stream, "json", null, cancellationToken);
        if (document is null || diagnostic?.Errors.Count > 0)
        {
            throw new InvalidOperationException($"The OpenAPI document does not parse: {string.Join("; ", diagnostic?.Errors.Select(error => error.Message) ?? [])}");
        }

        var operations = new List<FuzzOperation>();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var parameters = (item.Parameters ?? []).Concat(operation.Parameters ?? [])
                    .Where(parameter => parameter.Name is not null && parameter.In is not null)
                    .Select(parameter => new FuzzParameter(parameter.Name!, parameter.In!.Value, parameter.Required, parameter.Schema))
                    .ToList();
                var body = operation.RequestBody?.Content?.FirstOrDefault();
                operations.Add(new FuzzOperation(method, path, operation.OperationId ?? $"{method} {path}", parameters, body?.Key, body?.Value.Schema));
            }
        }

        var schemes = document.Components?.SecuritySchemes ?? new Dictionary<string, IOpenApiSecurityScheme>();
        var apiKey = schemes.Values.Single(scheme => scheme.Type == SecuritySchemeType.ApiKey && scheme.In == ParameterLocation.Header).Name!;
        var bearer = schemes.Values.Single(scheme => scheme.Type == SecuritySchemeType.Http).Scheme!;
        return new OpenApiCatalog(operations, apiKey, bearer);
    }
}
