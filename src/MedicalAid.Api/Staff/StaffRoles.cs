using MedicalAid.Api.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Staff;

/// <summary>The four staff roles exist as Identity roles in every database, so that accounts can be given them.</summary>
public static class StaffRoles
{
    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in StaffAccess.Roles)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await roles.RoleExistsAsync(role))
            {
                try
                {
                    var result = await roles.CreateAsync(new IdentityRole(role));
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException($"Could not create the staff role '{role}': {string.Join(" ", result.Errors.Select(error => error.Description))}");
                    }
                }
                catch (DbUpdateException exception) when (DatabaseErrors.IsUniqueViolation(exception))
                {
                    // Another instance starting at the same moment created it first. The refused role must not stay
                    // tracked, or the next save on this context (the next role, the demo data) would try it again.
                    services.GetRequiredService<MedicalAidDbContext>().ChangeTracker.Clear();
                }
            }
        }
    }
}
