using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedicalAid.Api.Units;

/// <summary>The unit tree for administrators: <c>/api/v1/admin/units</c>.</summary>
public static class UnitAdminEndpoints
{
    private const string Route = "/api/v1/admin/units";

    public static IEndpointRouteBuilder MapUnitAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route)
            .RequireAuthorization(StaffAccess.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Units and staff");

        group.MapGet("/", List)
            .WithName("ListUnits")
            .WithSummary("The organisation units of your subtree as a tree: cities, their districts, their townships and streets (admin).");
        group.MapPost("/", Create)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("CreateUnit")
            .WithSummary("Create a unit in your subtree: a district under a city, a township or street under a district; a city, without a parent, only by an administrator of every unit (admin).");
        group.MapPut("/{code}", Update)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("UpdateUnit")
            .WithSummary("Rename a unit of your subtree, or move it with everything under it to another parent of the level above in your subtree (admin).");
        return routes;
    }

    public static async Task<Ok<IReadOnlyList<UnitNode>>> List(ClaimsPrincipal user, UnitService units, CancellationToken cancellationToken) =>
        TypedResults.Ok(await units.TreeAsync(user, cancellationToken));

    public static async Task<Results<Created<UnitNode>, ValidationProblem, ConflictProblem>> Create(
        CreateUnitRequest request, ClaimsPrincipal user, UnitService units, CancellationToken cancellationToken) =>
        AdminResults.Created(await units.CreateAsync(request, user, cancellationToken), unit => $"{Route}/{unit.Code}");

    public static async Task<Results<Ok<UnitNode>, ValidationProblem, NotFoundProblem>> Update(
        string code, UpdateUnitRequest request, ClaimsPrincipal user, UnitService units, CancellationToken cancellationToken) =>
        AdminResults.Changed(await units.UpdateAsync(code, request, user, cancellationToken));
}
