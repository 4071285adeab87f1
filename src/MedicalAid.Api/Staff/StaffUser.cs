using MedicalAid.Api.Units;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Staff;

/// <summary>
/// A civil-affairs staff account (ASP.NET Core Identity): a username, a display name, the unit it works in, its roles
/// (Identity roles), and whether it is enabled. Passwords are kept only as Identity's hashes.
/// </summary>
public sealed class StaffUser : IdentityUser
{
    public const int MaxDisplayNameLength = 64;

    public required string DisplayName { get; set; }

    public long UnitId { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Set for an initial or reset password: the next sign-in must choose a new one before anything else.</summary>
    public bool MustChangePassword { get; set; }
}

internal sealed class StaffUserConfiguration : IEntityTypeConfiguration<StaffUser>
{
    public void Configure(EntityTypeBuilder<StaffUser> builder)
    {
        builder.Property(user => user.DisplayName).HasMaxLength(StaffUser.MaxDisplayNameLength);
        builder.HasOne<OrganisationUnit>().WithMany().HasForeignKey(user => user.UnitId).OnDelete(DeleteBehavior.Restrict);
    }
}
