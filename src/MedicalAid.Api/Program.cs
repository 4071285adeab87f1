using MedicalAid.Api.Audit;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Clearing;
using MedicalAid.Api.Eligibility;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Reconciliation;
using MedicalAid.Api.Reports;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Staff;
using MedicalAid.Api.StaffConsole;
using MedicalAid.Api.Units;

// `staff create-admin …` and other console commands run instead of the service.
if (StaffCommands.IsCommand(args))
{
    return await StaffCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.WatchDevelopmentTokenKeys();
builder.AddMedicalAidDatabase();
builder.Services.AddMedicalAidApi(builder.Configuration);
builder.Services.AddStaffConsole();

var app = builder.Build();
app.UseMedicalAidPipeline();
app.MapHealth();
app.MapEligibility();
app.MapSettlements();
app.MapReconciliation();
app.MapBeneficiaryAdmin();
app.MapHospitalAdmin();
app.MapPolicyAdmin();
app.MapFundAdmin();
app.MapAudit();
app.MapClearing();
app.MapSettlementSearch();
app.MapReports();
app.MapUnitAdmin();
app.MapStaffAdmin();
app.MapStaffSignIn();
app.MapConsoleHome();
app.MapStaffConsole();

await app.PrepareDatabaseAsync();
await app.RunAsync();
return 0;
