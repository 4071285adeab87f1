using System.Text.Json.Serialization;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Clearing;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Eligibility;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Reconciliation;
using MedicalAid.Api.Reports;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Staff;
using MedicalAid.Api.Units;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace MedicalAid.Api.Infrastructure;

public static class ApiSetup
{
    public static IServiceCollection AddMedicalAidApi(this IServiceCollection services, IConfiguration configuration)
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
            json.Converters.Add(new CleanTextConverter());
        });
        TextRules.EnsureNormalisationWorks();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Type is not null && problem.Type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal))
            {
                return;
            }

            // A problem the framework raised (status code pages, binding): give it our stable type.
            problem.Type = problem.Status switch
            {
                StatusCodes.Status401Unauthorized => ProblemTypes.Unauthorized,
                StatusCodes.Status403Forbidden => ProblemTypes.Forbidden,
                StatusCodes.Status404NotFound => ProblemTypes.NotFound,
                StatusCodes.Status408RequestTimeout => ProblemTypes.RequestTimeout,
                StatusCodes.Status413PayloadTooLarge => ProblemTypes.PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType => ProblemTypes.UnsupportedMediaType,
                StatusCodes.Status429TooManyRequests => ProblemTypes.TooManyRequests,
                >= 500 => ProblemTypes.Internal,
                _ => ProblemTypes.Validation,
            };
            if (problem.Status == StatusCodes.Status401Unauthorized)
            {
                problem.Title = "Missing or unknown credentials.";
                problem.Detail = "Hospitals send their API key in the X-Api-Key header; staff send a bearer token.";
            }
            else if (problem.Status == StatusCodes.Status403Forbidden)
            {
                problem.Title = "Not allowed for these credentials.";
                problem.Detail = "Hospital keys reach the hospital endpoints; staff tokens reach /api/v1/admin within their role.";
            }
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddOptions<OpenApiExposureOptions>().BindConfiguration(OpenApiExposureOptions.Section).ValidateOnStart();
        services.AddHospitalAuthentication();
        services.AddStaffAuthentication();
        services.AddHospitalRateLimiting(configuration);

        services.AddSingleton<WriteGate>();
        services.AddSingleton<SqliteGroupCommit>();
        services.AddHostedService(provider => provider.GetRequiredService<SqliteGroupCommit>());
        services.AddScoped<TransactionRunner>();
        services.AddScoped<RowLocks>();
        services.AddSingleton<ParsedPolicyCache>();
        services.AddScoped<PolicyCatalog>();
        services.AddScoped<BeneficiaryEligibility>();
        services.AddScoped<SettlementService>();
        services.AddScoped<SettlementQueries>();
        services.AddScoped<AuditQueries>();
        services.AddScoped<FundQueries>();
        services.AddScoped<EligibilityService>();
        services.AddScoped<ReconciliationService>();
        services.AddScoped<SummaryReportService>();
        services.AddScoped<DemoSeeder>();
        services.AddDemoOptions();
        services.AddScoped<UnitService>();
        services.AddScoped<StaffAccounts>();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "MedicalAid.Antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddScoped<AuditTrail>();
        services.AddScoped<BeneficiaryImporter>();
        services.AddScoped<SubsidyRun>();
        services.AddScoped<ClearingService>();
        services.AddHospitalCallbacks(configuration);
        // Callbacks connect only where the policy allows, follow no redirect and use no proxy (either would reach an
        // address that was never checked).
        services.AddHttpClient(OutboxDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectCallback = provider.GetRequiredService<CallbackUrlPolicy>().ConnectAsync,
            });
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboxDispatcher>());

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
            swagger.AddSecurityDefinition(JwtBearerDefaults.AuthenticationScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Civil-affairs staff: a token with role claims (auditor, operator, approver, admin) and a unit claim (the unit code; none means city level). Locally: dotnet user-jwts create --role admin. The console's sign-in cookie is accepted too.",
            });
            swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [],
            });
            swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(JwtBearerDefaults.AuthenticationScheme, document)] = [],
            });
        });
        return services;
    }

    public static WebApplication UseMedicalAidPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseMiddleware<NulInQueryMiddleware>();
        if (app.Services.GetRequiredService<IOptions<OpenApiExposureOptions>>().Value.Enabled ?? !app.Environment.IsProduction())
        {
            app.UseSwagger();
            app.UseSwaggerUI(ui => ui.DocumentTitle = "MedicalAid API");
        }

        app.UseAuthentication();
        app.UseRateLimiter();
        // Before authorization, which would put the cookie's account on the request: the console's forms (sign-in,
        // sign-out) issue their tokens to a request without one, and the check must see the request the same way.
        app.UseMiddleware<CookieApiAntiforgery>();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return routes;
    }

    private static readonly (string Type, int Status, string When)[] ProblemCatalogueEntries =
    [
        (ProblemTypes.Validation, 400, "a field is missing, malformed or out of range; `errors` names each field"),
        (ProblemTypes.Unauthorized, 401, "no or unknown `X-Api-Key` (hospitals) or bearer token (staff)"),
        (ProblemTypes.Forbidden, 403, "a hospital key on a staff endpoint, a staff token on a hospital endpoint, or a role that may not do this"),
        (ProblemTypes.NotFound, 404, "no such settlement of this hospital, no such beneficiary, hospital or policy"),
        (ProblemTypes.VisitAlreadySettled, 409, "the visit has an unreversed settlement (`settlementId` names it)"),
        (ProblemTypes.RequestVoided, 409, "the Idempotency-Key was voided by a reversal by request before the request arrived"),
        (ProblemTypes.Duplicate, 409, "a beneficiary, hospital or policy with that identity already exists"),
        (ProblemTypes.PolicyOverlap, 409, "a new policy version's dates overlap a version settlements already use"),
        (ProblemTypes.RequestTimeout, 408, "the body arrived too slowly; nothing was recorded"),
        (ProblemTypes.PayloadTooLarge, 413, "body over 64 KiB (a beneficiary CSV import: 200 MiB)"),
        (ProblemTypes.UnsupportedMediaType, 415, "the body is not `application/json`"),
        (ProblemTypes.BeneficiaryNotEligible, 422, "not registered, or not active on the service date"),
        (ProblemTypes.IdentityMismatch, 422, "the name does not match the registered beneficiary"),
        (ProblemTypes.NoPolicyInForce, 422, "no policy version covers the service date or category"),
        (ProblemTypes.FundNotOpen, 422, "no assistance funds are open for the service year"),
        (ProblemTypes.IdempotencyKeyReused, 422, "the Idempotency-Key was used for a different request (settlement and reversal keys share one space per hospital)"),
        (ProblemTypes.TooManyRequests, 429, "the hospital is over its rate limit; see `Retry-After`"),
        (ProblemTypes.Internal, 500, "unexpected; nothing unacknowledged was recorded, retry with the same key"),
        (ProblemTypes.Busy, 503, "the database stayed contended; nothing was recorded, retry with the same key after `Retry-After`"),
    ];

    private static string ProblemCatalogue() =>
        $$"""
        Hospital billing systems call this API at admission (eligibility), before discharge (preview) and at discharge (settle).
        Hospitals authenticate with the `X-Api-Key` header; civil-affairs staff with a bearer token (roles auditor, operator, admin)
        under `/api/v1/admin`. Amounts are yuan with at most two decimals; dates are ISO 8601.

        Errors are RFC 9457 `application/problem+json`, each with a stable `type`:

        | type | status | when |
        |---|---|---|
        {{string.Join("\n", ProblemCatalogueEntries.Select(entry => $"| `{entry.Type}` | {entry.Status} | {entry.When} |"))}}

        Idempotency: `POST /api/v1/settlements` and reversals require an `Idempotency-Key` (1–255 visible ASCII characters),
        scoped to the hospital. A retry with the same key and body returns the original status and body with
        `Idempotent-Replayed: true` — the body as it was then, even if the settlement has since been reversed
        (`GET /api/v1/settlements/{id}` gives the current status). Visit numbers are compared without regard to case.
        """;
}
