using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedicalAid.Api.Staff;

/// <summary>Staff accounts for administrators: <c>/api/v1/admin/staff</c>.</summary>
public static class StaffAdminEndpoints
{
    private const string Route = "/api/v1/admin/staff";

    public static IEndpointRouteBuilder MapStaffAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route)
            .RequireAuthorization(StaffAccess.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Units and staff");

        group.MapGet("/", List)
            .WithName("ListStaff")
            .WithSummary("Staff accounts in your unit's subtree, with their unit, roles, second factor and lockout (admin).");
        group.MapPost("/", Create)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("CreateStaff")
            .WithSummary("Create a staff account; the answer holds its one-time password, shown this once and to be changed at the first sign-in (admin).");
        group.MapPut("/{username}", Update)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("UpdateStaff")
            .WithSummary("Change an account's display name, unit and roles; its sessions pick them up on their next request (admin).");
        group.MapPost("/{username}/disable", Disable)
            .WithName("DisableStaff")
            .WithSummary("Disable an account: it cannot sign in, and its open console sessions end at once (admin).");
        group.MapPost("/{username}/enable", Enable)
            .WithName("EnableStaff")
            .WithSummary("Enable an account again; this also lifts a lockout (admin).");
        group.MapPost("/{username}/password-reset", ResetPassword)
            .WithName("ResetStaffPassword")
            .WithSummary("Give an account a new one-time password (shown this once), end its sessions and lift a lockout (admin).");
        group.MapPost("/{username}/two-factor-reset", ResetTwoFactor)
            .WithName("ResetStaffTwoFactor")
            .WithSummary("Turn off an account's authenticator app (a lost phone); it enrols again at its next sign-in if required (admin).");
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<StaffAccount>>> List(ClaimsPrincipal user, StaffAccounts accounts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await accounts.ListAsync(user, cancellationToken));

    public static async Task<Results<Created<StaffAccountWithPassword>, ValidationProblem, ConflictProblem>> Create(
        CreateStaffRequest request, ClaimsPrincipal user, StaffAccounts accounts, CancellationToken cancellationToken) =>
        AdminResults.Created(await accounts.CreateAsync(request, user, cancellationToken), created => $"{Route}/{created.Account.Username}");

    public static async Task<Results<Ok<StaffAccount>, ValidationProblem, NotFoundProblem>> Update(
        string username, UpdateStaffRequest request, ClaimsPrincipal user, StaffAccounts accounts, CancellationToken cancellationToken) =>
        AdminResults.Changed(await accounts.UpdateAsync(username, request, user, cancellationToken));

    public static async Task<Results<Ok<StaffAccount>, ValidationProblem, NotFoundProblem>> Disable(
        string username, ClaimsPrincipal user, StaffAccounts accounts, CancellationToken cancellationToken) =>
        AdminResults.Changed(await accounts.SetEnabledAsync(username, false, user, cancellationToken));

    public static async Task<Results<Ok<StaffAccount>, ValidationProblem, NotFoundProblem>> Enable(
        string username, ClaimsPrincipal user, StaffAccounts accounts, CancellationToken cancellationToken) =>
        AdminResults.Changed(await accounts.SetEnabledAsync(username, true, user, cancellationToken));

    public static async Task<Results<Ok<StaffAccountWithPassword>, ValidationProblem, NotFoundProblem>> ResetPassword(
        string username, ClaimsPrincipal user, StaffAccounts accounts, CancellationToken cancellationToken) =>
        AdminResults.Changed(await accounts.ResetPasswordAsync(username, user, cancellationToken));

    public static async Task<Results<Ok<StaffAccount>, ValidationProblem, NotFoundProblem>> ResetTwoFactor(
        string username, ClaimsPrincipal user, StaffAccounts accounts, CancellationToken cancellationToken) =>
        AdminResults.Changed(await accounts.ResetTwoFactorAsync(username, user, cancellationToken));
}
