using System.Text.Json.Serialization;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Settlements;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.OpenApi;

namespace MedicalAid.Api.Infrastructure;

public static class ApiSetup
{
    public static IServiceCollection AddMedicalAidApi(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(ServiceCalendar.Create);
        services.ConfigureHttpJsonOptions(options =>
        {
            var json = options.SerializerOptions;
            json.RespectNullableAnnotations = true;
            json.RespectRequiredConstructorParameters = true;
            json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.AllowDuplicateProperties = false;
            json.MaxDepth = 16;
            json.NumberHandling = JsonNumberHandling.Strict;
        });
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Type ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status401Unauthorized => ProblemTypes.Unauthorized,
                StatusCodes.Status404NotFound => ProblemTypes.NotFound,
                StatusCodes.Status413PayloadTooLarge => ProblemTypes.PayloadTooLarge,
                >= 500 => ProblemTypes.Internal,
                _ => ProblemTypes.Validation,
            };
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddHospitalAuthentication();

        services.AddSingleton<SqliteWriteGate>();
        services.AddScoped<TransactionRunner>();
        services.AddScoped<RowLocks>();
        services.AddSingleton<ParsedPolicyCache>();
        services.AddScoped<PolicyCatalog>();
        services.AddScoped<BeneficiaryEligibility>();
        services.AddScoped<SettlementService>();
        services.AddScoped<DemoSeeder>();

        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "MedicalAid — one-stop medical assistance settlement",
                Version = "v1",
                Description = ProblemCatalogue(),
            });
            swagger.SupportNonNullableReferenceTypes();
            swagger.MapType<decimal>(() => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "decimal", MultipleOf = 0.01m });
            swagger.IncludeXmlComments(typeof(ApiSetup).Assembly);
            swagger.IncludeXmlComments(typeof(SettlementRequest).Assembly);
            swagger.AddSecurityDefinition(ApiKeyAuthenticationHandler.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "The hospital's API key (demo: demo-h001-key, demo-h002-key, demo-h003-key).",
            });
            swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
            });
        });
        return services;
    }

    public static WebApplication UseMedicalAidPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseSwagger();
        app.UseSwaggerUI(ui => ui.DocumentTitle = "MedicalAid API");
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return routes;
    }

    private static string ProblemCatalogue() =>
        """
        Hospital billing systems call this API at admission (eligibility), before discharge (preview) and at discharge (settle).
        Authenticate with the `X-Api-Key` header. Amounts are yuan with at most two decimals; dates are ISO 8601.

        Errors are RFC 9457 `application/problem+json`, each with a stable `type`:

        | type | status | when |
        |---|---|---|
        | `urn:medicalaid:problem:validation` | 400 | a field is missing, malformed or out of range; `errors` names each field |
        | `urn:medicalaid:problem:unauthorized` | 401 | no or unknown `X-Api-Key` |
        | `urn:medicalaid:problem:not-found` | 404 | no such settlement of this hospital, no such beneficiary |
        | `urn:medicalaid:problem:visit-already-settled` | 409 | the visit has an unreversed settlement (`settlementId` names it) |
        | `urn:medicalaid:problem:request-voided` | 409 | the Idempotency-Key was voided by a reversal by request before the request arrived |
        | `urn:medicalaid:problem:payload-too-large` | 413 | body over 64 KiB |
        | `urn:medicalaid:problem:beneficiary-not-eligible` | 422 | not registered, or not active on the service date |
        | `urn:medicalaid:problem:identity-mismatch` | 422 | the name does not match the registered beneficiary |
        | `urn:medicalaid:problem:no-policy-in-force` | 422 | no policy version covers the service date or category |
        | `urn:medicalaid:problem:fund-not-open` | 422 | no assistance funds are open for the service year |
        | `urn:medicalaid:problem:idempotency-key-reused` | 422 | the Idempotency-Key was used for a different request (settlement and reversal keys share one space per hospital) |
        | `urn:medicalaid:problem:internal` | 500 | unexpected; nothing unacknowledged was recorded, retry with the same key |
        | `urn:medicalaid:problem:busy` | 503 | the database stayed contended; nothing was recorded, retry with the same key after `Retry-After` |

        Idempotency: `POST /api/v1/settlements` and reversals require an `Idempotency-Key` (1–255 visible ASCII characters),
        scoped to the hospital. A retry with the same key and body returns the original status and body with
        `Idempotent-Replayed: true` — the body as it was then, even if the settlement has since been reversed
        (`GET /api/v1/settlements/{id}` gives the current status). Visit numbers are compared without regard to case.
        """;
}
