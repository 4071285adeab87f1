using System.Security.Claims;
using System.Security.Cryptography;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using EngineLevel = MedicalAid.Engine.HospitalLevel;
using WireLevel = MedicalAid.Contracts.Admin.HospitalLevel;

namespace MedicalAid.Api.Hospitals;

/// <summary>Staff registry of designated hospitals and their API keys (admin writes, any staff role reads).</summary>
public static class HospitalAdminEndpoints
{
    private const int MaxCodeLength = 32;
    private const int MaxNameLength = 128;
    private const int MaxUrlLength = 512;

    public static IEndpointRouteBuilder MapHospitalAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/admin/hospitals")
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Hospitals");
        group.MapGet("/", List).WithName("ListHospitals").WithSummary("Every registered hospital.");
        group.MapGet("/{code}", Get).WithName("GetHospital").WithSummary("One hospital by code.");
        group.MapPost("/", Register).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("RegisterHospital").WithSummary("Register a hospital; its API key and callback secret are in the answer, shown this once.");
        group.MapPut("/{code}", Update).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("UpdateHospital").WithSummary("Change a hospital's name, level or callback URL.");
        group.MapPost("/{code}/deactivation", Deactivate).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("DeactivateHospital").WithSummary("Deactivate a hospital: its key stops working at once.");
        group.MapPost("/{code}/api-key", RotateKey).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("RotateHospitalKey").WithSummary("Issue a new API key (shown this once); the old one stops working.");
        group.MapPost("/{code}/callback-secret", RotateCallbackSecret).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("RotateHospitalCallbackSecret")
            .WithSummary("Issue a new callback secret (shown this once); callbacks are signed with it from now on, including redeliveries.");
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<HospitalResponse>>> List(MedicalAidDbContext db, CancellationToken cancellationToken)
    {
        var hospitals = await db.Hospitals.AsNoTracking().OrderBy(hospital => hospital.Code).ToListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<HospitalResponse>>(hospitals.Select(ToResponse).ToArray());
    }

    public static async Task<Results<Ok<HospitalResponse>, NotFoundProblem>> Get(string code, MedicalAidDbContext db, CancellationToken cancellationToken) =>
        await db.Hospitals.AsNoTracking().FirstOrDefaultAsync(hospital => hospital.Code == code, cancellationToken) is { } hospital
            ? TypedResults.Ok(ToResponse(hospital))
            : new NotFoundProblem(Problems.NotFound($"No hospital {code}."));

    public static async Task<Results<Created<HospitalCredentials>, ValidationProblem, ConflictProblem>> Register(
        RegisterHospitalRequest request, ClaimsPrincipal user, MedicalAidDbContext db, AuditTrail audit, CallbackUrlPolicy callbacks, CallbackSecrets secrets,
        CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(request.Name, request.CallbackBaseUrl, callbacks, cancellationToken);
        var code = request.Code?.Trim().ToUpperInvariant() ?? "";
        if (code.Length is 0 or > MaxCodeLength || !code.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            errors["code"] = [$"1 to {MaxCodeLength} letters, digits or '-'."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        if (await db.Hospitals.AnyAsync(hospital => hospital.Code == code, cancellationToken))
        {
            return Duplicate(code);
        }

        var apiKey = NewApiKey();
        var callbackSecret = CallbackSecrets.New();
        var hospital = new Hospital
        {
            Code = code,
            Name = request.Name.Trim(),
            Level = ToEngine(request.Level),
            ApiKeyHash = Hospital.HashApiKey(apiKey),
            CallbackBaseUrl = request.CallbackBaseUrl?.Trim(),
            CallbackSecretProtected = secrets.Protect(callbackSecret),
        };
        db.Hospitals.Add(hospital);
        audit.Record(user, "hospital.registered", "hospital", code, null, ToResponse(hospital));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
        {
            return Duplicate(code);
        }

        return TypedResults.Created($"/api/v1/admin/hospitals/{code}", new HospitalCredentials { Hospital = ToResponse(hospital), ApiKey = apiKey, CallbackSecret = callbackSecret });
    }

    public static async Task<Results<Ok<HospitalResponse>, ValidationProblem, NotFoundProblem>> Update(
        string code, UpdateHospitalRequest request, ClaimsPrincipal user, MedicalAidDbContext db, AuditTrail audit, CallbackUrlPolicy callbacks,
        CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(request.Name, request.CallbackBaseUrl, callbacks, cancellationToken);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var hospital = await db.Hospitals.FirstOrDefaultAsync(candidate => candidate.Code == code, cancellationToken);
        if (hospital is null)
        {
            return new NotFoundProblem(Problems.NotFound($"No hospital {code}."));
        }

        var before = ToResponse(hospital);
        hospital.Name = request.Name.Trim();
        hospital.Level = ToEngine(request.Level);
        hospital.CallbackBaseUrl = request.CallbackBaseUrl?.Trim();
        audit.Record(user, "hospital.updated", "hospital", hospital.Code, before, ToResponse(hospital));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(ToResponse(hospital));
    }

    public static async Task<Results<Ok<HospitalResponse>, NotFoundProblem>> Deactivate(
        string code, ClaimsPrincipal user, MedicalAidDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        var hospital = await db.Hospitals.FirstOrDefaultAsync(candidate => candidate.Code == code, cancellationToken);
        if (hospital is null)
        {
            return new NotFoundProblem(Problems.NotFound($"No hospital {code}."));
        }

        if (hospital.IsActive)
        {
            var before = ToResponse(hospital);
            hospital.IsActive = false;
            audit.Record(user, "hospital.deactivated", "hospital", hospital.Code, before, ToResponse(hospital));
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(ToResponse(hospital));
    }

    public static async Task<Results<Ok<HospitalApiKey>, NotFoundProblem>> RotateKey(
        string code, ClaimsPrincipal user, MedicalAidDbContext db, AuditTrail audit, CancellationToken cancellationToken)
    {
        var hospital = await db.Hospitals.FirstOrDefaultAsync(candidate => candidate.Code == code, cancellationToken);
        if (hospital is null)
        {
            return new NotFoundProblem(Problems.NotFound($"No hospital {code}."));
        }

        var apiKey = NewApiKey();
        hospital.ApiKeyHash = Hospital.HashApiKey(apiKey);
        // The audit entry says that the key changed, never what it is.
        audit.Record(user, "hospital.key-rotated", "hospital", hospital.Code, null, new { hospital.Code, rotated = true });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new HospitalApiKey { Hospital = ToResponse(hospital), ApiKey = apiKey });
    }

    public static async Task<Results<Ok<HospitalCallbackSecret>, NotFoundProblem>> RotateCallbackSecret(
        string code, ClaimsPrincipal user, MedicalAidDbContext db, AuditTrail audit, CallbackSecrets secrets, CancellationToken cancellationToken)
    {
        var hospital = await db.Hospitals.FirstOrDefaultAsync(candidate => candidate.Code == code, cancellationToken);
        if (hospital is null)
        {
            return new NotFoundProblem(Problems.NotFound($"No hospital {code}."));
        }

        var secret = CallbackSecrets.New();
        hospital.CallbackSecretProtected = secrets.Protect(secret);
        // The audit entry says that the secret changed, never what it is.
        audit.Record(user, "hospital.callback-secret-rotated", "hospital", hospital.Code, null, new { hospital.Code, rotated = true });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new HospitalCallbackSecret { Hospital = ToResponse(hospital), CallbackSecret = secret });
    }

    /// <summary>256 random bits, URL-safe: long enough that a fast hash of it is safe to store.</summary>
    private static string NewApiKey() => "mak_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<Dictionary<string, string[]>> ValidateAsync(
        string? name, string? callbackBaseUrl, CallbackUrlPolicy callbacks, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxNameLength || trimmed.Any(char.IsControl))
        {
            errors["name"] = [$"1 to {MaxNameLength} characters, no control characters."];
        }

        if (callbackBaseUrl is null)
        {
            return errors;
        }

        if (callbackBaseUrl.Length > MaxUrlLength
            || !Uri.TryCreate(callbackBaseUrl.Trim(), UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            errors["callbackBaseUrl"] = [$"An absolute https URL of at most {MaxUrlLength} characters."];
        }
        else if (await callbacks.ProblemAsync(url, cancellationToken) is { } problem)
        {
            errors["callbackBaseUrl"] = [problem];
        }

        return errors;
    }

    private static ConflictProblem Duplicate(string code) =>
        new(Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.Duplicate, "That hospital code is taken.", $"Hospital {code} is already registered."));

    private static HospitalResponse ToResponse(Hospital hospital) => new()
    {
        Code = hospital.Code,
        Name = hospital.Name,
        Level = hospital.Level switch
        {
            EngineLevel.Primary => WireLevel.Primary,
            EngineLevel.Secondary => WireLevel.Secondary,
            _ => WireLevel.Tertiary,
        },
        CallbackBaseUrl = hospital.CallbackBaseUrl,
        Active = hospital.IsActive,
        HasCallbackSecret = hospital.CallbackSecretProtected is not null,
    };

    private static EngineLevel ToEngine(WireLevel level) => level switch
    {
        WireLevel.Primary => EngineLevel.Primary,
        WireLevel.Secondary => EngineLevel.Secondary,
        _ => EngineLevel.Tertiary,
    };
}
