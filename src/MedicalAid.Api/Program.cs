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

var builder = WebApplication.CreateBuilder(args);
builder.AddMedicalAidDatabase();
builder.Services.AddMedicalAidApi(builder.Configuration);

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

await app.PrepareDatabaseAsync();
await app.RunAsync();
