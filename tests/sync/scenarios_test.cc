// The rules of DESIGN §4–§6 as built, one named scenario each. docs/PROTOCOL.md cites these names.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "protocol/certificate_codec.h"

#include "sync/supervision.h"
#include "testing/scenario.h"

namespace govbus {
namespace {

using testing::Scenario;
using T = CaseEventType;
constexpr int64_t kDay = kDayMs;

struct Spec {
  const char* name;
  std::function<void(Scenario&)> run;
};

void expectVoid(Scenario& s, const RecordRef& ref, VoidReason reason) {
  EXPECT_EQ(voidReasonName(s.verdict(ref)), voidReasonName(reason)) << ref.author << "#" << ref.seq;
}
void expectValid(Scenario& s, const RecordRef& ref) { expectVoid(s, ref, VoidReason::kNone); }

// A county case of XK-COUNTY received and accepted at 芙蓉区.
RecordRef openCase(Scenario& s, const std::string& id, const std::string& item = "XK-COUNTY",
                   const std::string& handler = "430102", const std::string& region = "430102") {
  s.put(handler == region ? handler : region, Scenario::received(id, item, handler, region));
  return s.put(handler, Scenario::event(id, T::kAccepted));
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> all = {
      // ---------------- statutory holding and the handler rule ----------------
      {"CountyItemIsHandledByTheCountyItself",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-COUNTY", "430211"), "430211");
       }},
      {"CityItemIsHandledByTheCityOfTheApplicant",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430100");
         EXPECT_EQ(s.handler("XK-CITY", "430211"), "430200");
       }},
      {"ProvinceItemIsHandledByTheProvince",
       [](Scenario& s) { EXPECT_EQ(s.handler("XK-PROV", "430103"), "430000"); }},
      {"ProvinceAdministeredCountyHoldsCountyItems",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-COUNTY", "430181"), "430181");
         EXPECT_EQ(s.handler("XK-CITY", "430181"), "") << "no city above 浏阳市 in the tree";
       }},
      {"UnknownItemHasNoHandler",
       [](Scenario& s) { EXPECT_EQ(s.handler("XK-NONE", "430102"), ""); }},

      // ---------------- catalog ----------------
      {"CatalogItemByACityIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::item("XK-X", 3, 20, 10)),
                    VoidReason::kCatalogNotByProvince);
       }},
      {"PromisedLongerThanTwoThirdsOfLegalIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430000", Scenario::item("XK-A", 3, 20, 14)),
                    VoidReason::kPromisedExceedsTwoThirds);
         expectValid(s, s.put("430000", Scenario::item("XK-B", 3, 20, 13)));  // ⌊40/3⌋ = 13
       }},
      {"CatalogUpdateRaisingTheLevelIsVoid",
       [](Scenario& s) {
         auto up =
             s.put("430000", Scenario::item("XK-COUNTY", 2, 20, 10, true, CatalogOp::kUpdate));
         expectVoid(s, up, VoidReason::kCatalogRaisesLevel);
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102") << "不得上收";
       }},
      {"CatalogUpdateLoweringTheLevelMovesTheHandlerDown",
       [](Scenario& s) {
         expectValid(
             s, s.put("430000", Scenario::item("XK-CITY", 3, 20, 12, true, CatalogOp::kUpdate)));
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430102");
       }},
      {"InsertingAnExistingItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430000", Scenario::item("XK-CITY", 2, 20, 12)),
                    VoidReason::kCatalogItemExists);
       }},
      {"UpdatingAnUnknownItemIsVoid",
       [](Scenario& s) {
         expectVoid(s,
                    s.put("430000", Scenario::item("XK-NEW", 2, 20, 12, true, CatalogOp::kUpdate)),
                    VoidReason::kUnknownItem);
       }},

      // ---------------- delegation ----------------
      {"ProvinceToCityToCountyChainMakesTheCountyTheHandler",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", /*redelegate=*/true));
         auto c = s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p));
         expectValid(s, p);
         expectValid(s, c);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-PROV", "430103"), "430100") << "天心区 was not delegated to";
         Explanation x = s.explain("XK-PROV", "430102");
         ASSERT_EQ(x.path.size(), 3u);
         EXPECT_EQ(x.path[2].chain, (std::vector<RecordRef>{p, c}));
       }},
      {"ReDelegationWithoutTheRightIsVoid",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", /*redelegate=*/false));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p)),
                    VoidReason::kRedelegationNotAllowed);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430100");
       }},
      {"DelegationUpwardIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430102", Scenario::delegation("XK-COUNTY", "430100")),
                    VoidReason::kGranteeNotBelowAuthor);
       }},
      {"DelegationSidewaysIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-CITY", "430211")),
                    VoidReason::kGranteeNotBelowAuthor);
         expectVoid(s, s.put("430102", Scenario::delegation("XK-COUNTY", "430103")),
                    VoidReason::kGranteeNotBelowAuthor);
       }},
      {"DelegationByANodeThatDoesNotHoldTheItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102")),
                    VoidReason::kAuthorLacksAuthority);
       }},
      {"DelegationOfANonDelegableItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-FIXED", "430102")),
                    VoidReason::kItemNotDelegable);
       }},
      {"DelegationToAnUnenrolledNodeIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-CITY", "430104")),
                    VoidReason::kGranteeNotEnrolled);
       }},
      {"SubtreeDelegationReachesEveryCountyBelow",
       [](Scenario& s) {
         s.put("430000", Scenario::delegation("XK-PROV", "430100", false, std::nullopt,
                                              DelegationScope::kSubtree));
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-PROV", "430103"), "430103");
         EXPECT_EQ(s.handler("XK-PROV", "430211"), "430000") << "株洲 is outside the subtree";
       }},
      {"NodeDelegationReachesOnlyTheGrantee",
       [](Scenario& s) {
         s.put("430000", Scenario::delegation("XK-PROV", "430100"));
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430100");
       }},
      {"ReDelegationOutlivingItsParentIsVoid",
       [](Scenario& s) {
         Delegation parent = Scenario::delegation("XK-PROV", "430100", true);
         parent.validUntilMs = testing::kTestEpochMs + 30 * kDay;
         auto p = s.put("430000", parent);
         Delegation child = Scenario::delegation("XK-PROV", "430102", false, p);
         child.validUntilMs = 0;  // open-ended under a bounded parent
         expectVoid(s, s.put("430100", child), VoidReason::kPeriodOutsideParent);
       }},
      {"ExpiredDelegationNoLongerMakesAHandler",
       [](Scenario& s) {
         Delegation d = Scenario::delegation("XK-CITY", "430102");
         d.validUntilMs = testing::kTestEpochMs + 10 * kDay;
         s.put("430100", d);
         EXPECT_EQ(s.handler("XK-CITY", "430102", testing::kTestEpochMs + kDay), "430102");
         EXPECT_EQ(s.handler("XK-CITY", "430102", testing::kTestEpochMs + 11 * kDay), "430100");
       }},
      {"ReDelegationNamingAParentItsAuthorHadNotSeenIsVoid",
       [](Scenario& s) {
         Frontier before = s.frontier("430100");
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p), before),
                    VoidReason::kParentNotSeen);
       }},

      // ---------------- revocation ----------------
      {"RevocationCascadesDownTheChain",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         auto c = s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p));
         s.put("430000", DelegationRevocation{p, false, "收回"});
         expectVoid(s, p, VoidReason::kRevoked);
         expectVoid(s, c, VoidReason::kParentRevoked);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430000");
       }},
      {"RevocationByTheGrantorsAncestorIsValid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         auto r = s.put("430000", DelegationRevocation{d, false, "省级收回"});
         expectValid(s, r);
         expectVoid(s, d, VoidReason::kRevoked);
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430100");
       }},
      {"RevocationByAnUnrelatedNodeIsVoid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         expectVoid(s, s.put("430200", DelegationRevocation{d, false, ""}),
                    VoidReason::kRevokerNotGrantorOrAncestor);
         expectVoid(s, s.put("430102", DelegationRevocation{d, false, ""}),
                    VoidReason::kRevokerNotGrantorOrAncestor);
         expectValid(s, d);
       }},
      {"StatutoryAuthorityCannotBeRevoked",
       [](Scenario& s) {
         // A revocation can only name a delegation; naming the catalog record is void.
         auto r = s.put("430000", DelegationRevocation{RecordRef{"430000", 7}, false, ""});
         expectVoid(s, r, VoidReason::kRevocationTargetUnknown);
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102");
       }},
      {"ConcurrentRevocationBeatsSubDelegation",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         Frontier sawGrantOnly = s.frontier("430100");
         s.put("430000", DelegationRevocation{p, false, ""});
         // 长沙市 re-delegates without having seen the revocation: the ancestor wins.
         auto c =
             s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p), sawGrantOnly);
         expectVoid(s, c, VoidReason::kParentRevoked);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430000");
       }},

      // ---------------- cases ----------------
      {"CaseLifecycleRunsToClosed",
       [](Scenario& s) {
         openCase(s, "430102-1");
         for (T t : {T::kStepCompleted, T::kApproved, T::kClosed}) {
           expectValid(s, s.put("430102", Scenario::event("430102-1", t, "XK-2026-0001")));
         }
         CaseSummary c = s.caseOf("430102-1");
         EXPECT_EQ(c.status, CaseStatus::kClosed);
         EXPECT_EQ(c.validEvents, 5u);
       }},
      {"ApprovalBeforeAcceptanceIsAnIllegalTransition",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-2", "XK-COUNTY", "430102", "430102"));
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kApproved)),
                    VoidReason::kIllegalTransition);
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kClosed)),
                    VoidReason::kIllegalTransition);
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kResumed)),
                    VoidReason::kIllegalTransition);
         EXPECT_EQ(s.caseOf("430102-2").status, CaseStatus::kReceived);
       }},
      {"EventsAfterClosingAreIllegal",
       [](Scenario& s) {
         openCase(s, "430102-3");
         s.put("430102", Scenario::event("430102-3", T::kApproved, "L-1"));
         s.put("430102", Scenario::event("430102-3", T::kClosed));
         expectVoid(s, s.put("430102", Scenario::event("430102-3", T::kWithdrawn)),
                    VoidReason::kIllegalTransition);
         expectVoid(
             s, s.put("430102", Scenario::received("430102-3", "XK-COUNTY", "430102", "430102")),
             VoidReason::kCaseAlreadyReceived);
       }},
      {"ACaseIdBelongsToItsReceiverWhateverTheArrivalOrder",
       [](Scenario& s) {
         // 天心区 is under the same handler (长沙市) for XK-CITY. Its `received` for 芙蓉区's id
         // comes first and sorts first, yet neither opens the case nor blocks the owner's.
         auto intruder =
             s.put("430103", Scenario::received("430102-50", "XK-CITY", "430100", "430103"));
         auto owner =
             s.put("430102", Scenario::received("430102-50", "XK-CITY", "430100", "430102"));
         expectVoid(s, intruder, VoidReason::kCaseIdNotReceivers);
         expectValid(s, owner);
         EXPECT_EQ(s.caseOf("430102-50").receiver, "430102");
         EXPECT_EQ(s.caseOf("430102-50").region, "430102");
         // After the owner, the intruder is void for the same reason, not as a second `received`.
         expectVoid(s,
                    s.put("430103", Scenario::received("430102-50", "XK-CITY", "430100", "430103")),
                    VoidReason::kCaseIdNotReceivers);
         // An id without the receiver's code and a dash is nobody's.
         for (const char* id : {"K-1", "430102", "430102-", "4301020-1"}) {
           expectVoid(s, s.put("430102", Scenario::received(id, "XK-COUNTY", "430102", "430102")),
                      VoidReason::kCaseIdNotReceivers);
         }
       }},
      {"WithdrawalStopsAnOpenCase",
       [](Scenario& s) {
         openCase(s, "430102-4");
         expectValid(s, s.put("430102", Scenario::event("430102-4", T::kWithdrawn, "申请人撤回")));
         EXPECT_EQ(s.caseOf("430102-4").status, CaseStatus::kWithdrawn);
       }},
      {"OnlyTheHandlerAuthorsLifecycleEvents",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-5", "XK-COUNTY", "430102", "430102"));
         expectVoid(s, s.put("430103", Scenario::event("430102-5", T::kAccepted)),
                    VoidReason::kNotTheHandler);
         expectVoid(s, s.put("430100", Scenario::event("430102-5", T::kAccepted)),
                    VoidReason::kNotTheHandler);
       }},
      {"EventForAnUnknownCaseIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430102", Scenario::event("430102-404", T::kAccepted)),
                    VoidReason::kUnknownCase);
       }},
      {"CountyWindowReceivesACityCase",
       [](Scenario& s) {
         expectValid(
             s, s.put("430102", Scenario::received("430102-6", "XK-CITY", "430100", "430102")));
         expectValid(s, s.put("430100", Scenario::event("430102-6", T::kAccepted)));
         EXPECT_EQ(s.caseOf("430102-6").handler, "430100");
         EXPECT_EQ(s.caseOf("430102-6").receiver, "430102");
       }},
      {"AcceptanceWithoutAuthorityIsVoid",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-7", "XK-CITY", "430102", "430102"));
         expectVoid(s, s.put("430102", Scenario::event("430102-7", T::kAccepted)),
                    VoidReason::kHandlerLacksAuthority);
       }},
      {"HolderAboveTheNearestOneMayNotAcceptTheCase",
       [](Scenario& s) {
         // 长沙市 delegated XK-CITY to 芙蓉区, so 芙蓉区 is the nearest holder (就近办理).
         s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-40", "XK-CITY", "430100", "430102"));
         expectVoid(s, s.put("430100", Scenario::event("430102-40", T::kAccepted)),
                    VoidReason::kNotTheNearestHolder);
         // Handing the case to the nearest holder puts it right.
         expectValid(s, s.put("430100", Scenario::event("430102-40", T::kTransferred, "430102")));
         expectValid(s, s.put("430102", Scenario::event("430102-40", T::kAccepted)));
       }},
      {"CityCannotTakeOverAProvinceAdministeredCountyByReEnrolment",
       [](Scenario& s) {
         Certificate c = *decodeCertificateBody(s.network().node("430181").certificate.body);
         c.issuer = "430100";
         c.serial = 2;
         c.issuerSerial = 1;
         c.publicKey = toBytes(SigningKey::generate().publicKey().bytes());
         auto takeover = s.put("430100", issueCertificate(c, s.network().node("430100").key));
         expectVoid(s, takeover, VoidReason::kCertificateNotByIssuer);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430181"), "430000");
         auto admitted =
             s.replica().trust().admit(issueCertificate(c, s.network().node("430100").key));
         EXPECT_FALSE(admitted.ok()) << "the door refuses it too";
       }},
      {"AnAncestorCannotTakeOverANodeByEnrollingItAtTheSameSerial",
       [](Scenario& s) {
         // 430103 is enrolled by 长沙市 at serial 1; the province signs serial 1 too, same key.
         Certificate c = *decodeCertificateBody(s.network().node("430103").certificate.body);
         c.issuer = "430000";
         c.issuerSerial = 1;
         SignedCertificate again = issueCertificate(c, s.network().node("430000").key);
         auto takeover = s.put("430000", again);
         expectVoid(s, takeover, VoidReason::kCertificateNotByIssuer);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430103"), "430100")
             << "the nearest issuer wins a tie, not the first record by ref";
         // The city still delegates to it.
         expectValid(s, s.put("430100", Scenario::delegation("XK-CITY", "430103")));
         EXPECT_FALSE(s.replica().trust().admit(again).ok()) << "the door refuses it too";
       }},
      {"AcceptanceUnderDelegatedAuthorityIsValid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-8", "XK-CITY", "430102", "430102", d));
         expectValid(s, s.put("430102", Scenario::event("430102-8", T::kAccepted)));
       }},
      {"GoodFaithAcceptanceUnderAnUnseenRevocationIsKeptAndFlagged",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-9", "XK-CITY", "430102", "430102", d));
         Frontier before = s.frontier("430102");
         auto r = s.put("430100", DelegationRevocation{d, false, "收回"});
         auto acc = s.put("430102", Scenario::event("430102-9", T::kAccepted), before);
         expectValid(s, acc);
         CaseSummary c = s.caseOf("430102-9");
         EXPECT_TRUE(c.authorityConflict);
         EXPECT_EQ(c.conflictRevocation, r);
         EXPECT_EQ(c.handler, "430102") << "without transfer_pending the case stays";
       }},
      {"TransferPendingRevocationMovesTheGoodFaithCase",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-10", "XK-CITY", "430102", "430102", d));
         Frontier before = s.frontier("430102");
         s.put("430100", DelegationRevocation{d, true, "收回并移交"});
         s.put("430102", Scenario::event("430102-10", T::kAccepted), before);
         EXPECT_EQ(s.caseOf("430102-10").handler, "430100");
         // The old handler, once it has seen the revocation, is no longer the handler.
         expectVoid(s, s.put("430102", Scenario::event("430102-10", T::kApproved, "L")),
                    VoidReason::kNotTheHandler);
         expectValid(s, s.put("430100", Scenario::event("430102-10", T::kApproved, "L")));
       }},
      {"AcceptanceTheRevokerHadSeenIsNotAConflict",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-41", "XK-CITY", "430102", "430102", d));
         s.put("430102", Scenario::event("430102-41", T::kAccepted));
         // 长沙市 revokes having seen 芙蓉区's feed up to the acceptance: not concurrent.
         Frontier sawCounty = s.frontier("430100");
         sawCounty.push_back({"430102", s.network().node("430102").seq});
         std::sort(sawCounty.begin(), sawCounty.end());
         s.put("430100", DelegationRevocation{d, false, "到期收回"}, sawCounty);
         EXPECT_FALSE(s.caseOf("430102-41").authorityConflict);
         EXPECT_EQ(s.caseOf("430102-41").handler, "430102");
       }},
      {"AcceptanceAfterSeeingTheRevocationIsVoid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-11", "XK-CITY", "430102", "430102", d));
         s.put("430100", DelegationRevocation{d, false, ""});
         expectVoid(s, s.put("430102", Scenario::event("430102-11", T::kAccepted)),
                    VoidReason::kHandlerLacksAuthority);
       }},
      {"DenialWithoutReasonAndBasisIsRefused",
       [](Scenario& s) {
         openCase(s, "430102-12");
         expectVoid(s, s.put("430102", Scenario::event("430102-12", T::kDenied, "")),
                    VoidReason::kDenialWithoutReason);
         expectValid(s, s.put("430102", Scenario::event("430102-12", T::kDenied, "材料不实")));
         EXPECT_TRUE(s.caseOf("430102-12").denied);
       }},

      // ---------------- supervision orders ----------------
      {"HaltOrderBeatsAConcurrentApproval",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-13");
         Frontier before = s.frontier("430102");
         expectValid(s, s.put("430000", Scenario::order("430102-13", OrderKind::kHalt, acc)));
         auto approve = s.put("430102", Scenario::event("430102-13", T::kApproved, "L"), before);
         expectVoid(s, approve, VoidReason::kContradictsUnseenHaltOrder);
         EXPECT_TRUE(s.caseOf("430102-13").halted);
       }},
      {"ApprovalAfterSeeingTheHaltIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-14");
         s.put("430100", Scenario::order("430102-14", OrderKind::kHalt, acc));
         expectVoid(s, s.put("430102", Scenario::event("430102-14", T::kApproved, "L")),
                    VoidReason::kContradictsHaltOrder);
         expectValid(s, s.put("430102", Scenario::event("430102-14", T::kSuspended, "待上级意见")));
       }},
      {"CorrectionOrderReopensTheReview",
       [](Scenario& s) {
         openCase(s, "430102-15");
         auto approved = s.put("430102", Scenario::event("430102-15", T::kApproved, "L"));
         expectValid(s,
                     s.put("430100", Scenario::order("430102-15", OrderKind::kCorrect, approved)));
         EXPECT_EQ(s.caseOf("430102-15").status, CaseStatus::kUnderReview);
         expectValid(s,
                     s.put("430102", Scenario::event("430102-15", T::kDenied, "复核不符合条件")));
       }},
      {"CorrectionWithNothingToCorrectIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-16");
         expectVoid(s, s.put("430100", Scenario::order("430102-16", OrderKind::kCorrect, acc)),
                    VoidReason::kOrderNothingToCorrect);
       }},
      {"TransferOrderMovesTheCaseToTheNewHandler",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-17");
         Frontier before = s.frontier("430102");
         expectValid(
             s, s.put("430100", Scenario::order("430102-17", OrderKind::kTransfer, acc, "430100")));
         expectVoid(s, s.put("430102", Scenario::event("430102-17", T::kApproved, "L"), before),
                    VoidReason::kNotTheHandler);
         expectValid(s, s.put("430100", Scenario::event("430102-17", T::kApproved, "L")));
         EXPECT_EQ(s.caseOf("430102-17").handler, "430100");
       }},
      {"OrderFromANonAncestorIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-18");
         expectVoid(s, s.put("430200", Scenario::order("430102-18", OrderKind::kUrge, acc)),
                    VoidReason::kOrderNotByAncestor);
         expectVoid(s, s.put("430103", Scenario::order("430102-18", OrderKind::kHalt, acc)),
                    VoidReason::kOrderNotByAncestor);
       }},
      {"UrgeOrdersAreCounted",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-19");
         s.put("430100", Scenario::order("430102-19", OrderKind::kUrge, acc));
         s.put("430000", Scenario::order("430102-19", OrderKind::kUrge, acc));
         EXPECT_EQ(s.caseOf("430102-19").urges, 2u);
       }},
      {"OrderNamingAnEventOutsideTheCaseIsVoid",
       [](Scenario& s) {
         openCase(s, "430102-20");
         expectVoid(s,
                    s.put("430100",
                          Scenario::order("430102-20", OrderKind::kUrge, RecordRef{"430103", 1})),
                    VoidReason::kOrderLastSeenNotInCase);
       }},

      // ---------------- deadlines and cards ----------------
      {"MaterialsRequestPausesTheClock",
       [](Scenario& s) {
         int64_t t0 = s.now();
         s.put("430102", Scenario::received("430102-21", "XK-COUNTY", "430102", "430102"),
               std::nullopt, t0);
         s.put("430102", Scenario::event("430102-21", T::kAccepted), std::nullopt, t0);
         s.put("430102", Scenario::event("430102-21", T::kMaterialsRequested), std::nullopt,
               t0 + 2 * kDay);
         s.put("430102", Scenario::event("430102-21", T::kMaterialsSupplied), std::nullopt,
               t0 + 5 * kDay);
         Deadline d = deadlineAt(s.caseOf("430102-21"), t0 + 8 * kDay);
         EXPECT_EQ(d.usedMs, 5 * kDay);
         EXPECT_EQ(d.dueAtMs, t0 + 3 * kDay + 10 * kDay);
       }},
      {"SuspensionStopsTheClockUntilResumed",
       [](Scenario& s) {
         int64_t t0 = s.now();
         s.put("430102", Scenario::received("430102-22", "XK-COUNTY", "430102", "430102"),
               std::nullopt, t0);
         s.put("430102", Scenario::event("430102-22", T::kAccepted), std::nullopt, t0);
         s.put("430102", Scenario::event("430102-22", T::kSuspended, "听证"), std::nullopt,
               t0 + kDay);
         EXPECT_EQ(deadlineAt(s.caseOf("430102-22"), t0 + 30 * kDay).usedMs, kDay) << "paused";
         EXPECT_EQ(deadlineAt(s.caseOf("430102-22"), t0 + 30 * kDay).card, Card::kGreen);
         s.put("430102", Scenario::event("430102-22", T::kResumed), std::nullopt, t0 + 4 * kDay);
         EXPECT_EQ(deadlineAt(s.caseOf("430102-22"), t0 + 6 * kDay).usedMs, 3 * kDay);
       }},
      {"YellowCardAtTwoThirdsOfThePromisedTime",
       [](Scenario& s) {
         int64_t t0 = s.now();
         s.put("430102", Scenario::received("430102-23", "XK-COUNTY", "430102", "430102"),
               std::nullopt, t0);
         s.put("430102", Scenario::event("430102-23", T::kAccepted), std::nullopt, t0);
         CaseSummary c = s.caseOf("430102-23");  // promised 10 days
         EXPECT_EQ(deadlineAt(c, t0 + 6 * kDay).card, Card::kGreen);
         EXPECT_EQ(deadlineAt(c, t0 + 7 * kDay).card, Card::kYellow);
         EXPECT_EQ(deadlineAt(c, t0 + 10 * kDay).card, Card::kYellow);
       }},
      {"RedCardPastThePromiseAndPastLegalBeyondTheLaw",
       [](Scenario& s) {
         int64_t t0 = s.now();
         s.put("430102", Scenario::received("430102-24", "XK-COUNTY", "430102", "430102"),
               std::nullopt, t0);
         s.put("430102", Scenario::event("430102-24", T::kAccepted), std::nullopt, t0);
         CaseSummary c = s.caseOf("430102-24");  // promised 10, legal 20
         EXPECT_EQ(deadlineAt(c, t0 + 11 * kDay).card, Card::kRed);
         EXPECT_FALSE(deadlineAt(c, t0 + 11 * kDay).pastLegal);
         EXPECT_TRUE(deadlineAt(c, t0 + 21 * kDay).pastLegal);
       }},
      {"SecondMaterialsRequestIsListedAsAFinding",
       [](Scenario& s) {
         openCase(s, "430102-25");
         s.put("430102", Scenario::event("430102-25", T::kMaterialsRequested));
         s.put("430102", Scenario::event("430102-25", T::kMaterialsSupplied));
         expectValid(s, s.put("430102", Scenario::event("430102-25", T::kMaterialsRequested)));
         EXPECT_TRUE(s.caseOf("430102-25").secondMaterialsRequest());
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", s.now());
         ASSERT_TRUE(board.ok());
         ASSERT_EQ(board->secondMaterialsRequests.size(), 1u);
         EXPECT_EQ(board->secondMaterialsRequests[0].caseId, "430102-25");
       }},
      {"ProvinceOverdueCountsAreTheSumOverItsSubtree",
       [](Scenario& s) {
         int64_t t0 = s.now();
         int n = 0;
         for (const char* county : {"430102", "430103", "430211", "430181"}) {
           for (int i = 0; i < 2; ++i) {
             std::string id = std::string(county) + "-od" + std::to_string(n++);
             s.put(county, Scenario::received(id, "XK-COUNTY", county, county), std::nullopt, t0);
             s.put(county, Scenario::event(id, T::kAccepted), std::nullopt, t0 + i * 5 * kDay);
           }
         }
         auto view = s.replica().store().beginRead();
         auto board =
             supervisionView(**view, s.replica().engine().authority(), "430000", t0 + 12 * kDay);
         ASSERT_TRUE(board.ok());
         EXPECT_EQ(board->total().red, 4u);
         EXPECT_EQ(board->total().yellow, 4u);
         CardCounts sum;
         for (const char* child : {"430100", "430200", "430181"}) sum += board->subtree.at(child);
         sum += board->own["430000"];
         EXPECT_EQ(sum, board->total());
         EXPECT_EQ(board->subtree.at("430100").red, 2u);
       }},

      // ---------------- forks ----------------
      {"ForkMakesTheAuthorsLaterRecordsVoid",
       [](Scenario& s) {
         openCase(s, "430102-26");
         Envelope e = s.network().nextEnvelope("430102");
         e.frontier = s.frontier("430102");
         e.wallTimeMs = s.now();  // not before the feed's previous record
         SignedRecord a =
             s.network().signAs("430102", e, Scenario::event("430102-26", T::kApproved, "L-a"));
         SignedRecord b =
             s.network().signAs("430102", e, Scenario::event("430102-26", T::kDenied, "两套结果"));
         auto& n = s.network().node("430102");
         s.deliver({a});
         n.seq = e.seq;
         n.lamport = e.lamport;
         n.lastId = blake2b256(a.body);
         RecordRef forked{"430102", e.seq};
         expectValid(s, forked);
         s.put("430100", ForkReport{"430102", e.seq, a, b});
         expectVoid(s, forked, VoidReason::kAuthorForked);
         EXPECT_EQ(s.caseOf("430102-26").status, CaseStatus::kUnderReview)
             << "the forked approval changes nothing";
         expectValid(s, RecordRef{"430102", e.seq - 1});
       }},
      {"ForkReportWithoutTwoDifferentSignedRecordsIsVoid",
       [](Scenario& s) {
         SignedRecord a =
             s.sign("430102", Scenario::received("430102-27", "XK-COUNTY", "430102", "430102"));
         s.deliver({a});
         expectVoid(s, s.put("430100", ForkReport{"430102", 1, a, a}),
                    VoidReason::kForkReportInvalid);
       }},

      // ---------------- complaints ----------------
      {"ComplaintIsRoutedToTheHandlersParent",
       [](Scenario& s) {
         s.put("430102", Complaint{"c-1", "430102-1", "430102", "窗口推诿"});
         expectValid(s,
                     s.put("430100", ComplaintUpdate{"c-1", ComplaintStatus::kHandling, "已受理"}));
         expectVoid(s, s.put("430103", ComplaintUpdate{"c-1", ComplaintStatus::kResolved, ""}),
                    VoidReason::kComplaintUpdateNotBySupervisor);
         auto view = s.replica().store().beginRead();
         auto board =
             supervisionView(**view, s.replica().engine().authority(), "430000", s.now() + kDay);
         ASSERT_EQ(board->openComplaints.size(), 1u);
         EXPECT_EQ(board->openComplaints[0].summary.routedTo, "430100");
         EXPECT_GE(board->openComplaints[0].ageMs, kDay);
       }},
      {"ResolvedComplaintLeavesTheBoard",
       [](Scenario& s) {
         s.put("430211", Complaint{"c-2", "", "430211", "超时"});
         expectValid(s,
                     s.put("430000", ComplaintUpdate{"c-2", ComplaintStatus::kResolved, "已整改"}));
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", s.now());
         EXPECT_TRUE(board->openComplaints.empty());
       }},

      // ---------------- the node refuses to author void records ----------------
      {"NodeRefusesToAuthorARecordItsStateJudgesVoid",
       [](Scenario& s) {
         // 芙蓉区's own replica, on its own store, after it has all records so far.
         testing::TempDir dir;
         auto store = LmdbStore::open(dir.path());
         ASSERT_TRUE(store.ok());
         Identity id{"430102", 1, &s.network().node("430102").key, {"430000", "430100"}};
         auto county = Replica::open(**store, s.network().anchor(), id);
         ASSERT_TRUE(county.ok());
         std::vector<Bytes> raw;
         for (const auto& r : s.history()) raw.push_back(testing::wireBytes(r));
         ASSERT_TRUE((*county)->ingest(raw).ok());
         auto bad = (*county)->author(Scenario::event("430102-x", T::kAccepted), s.now());
         ASSERT_FALSE(bad.ok());
         EXPECT_NE(bad.error().message.find("unknown_case"), std::string::npos)
             << bad.error().message;
         auto head = (*(*store)->beginRead())->head("430102");
         EXPECT_FALSE(head->has_value()) << "nothing was written";
         EXPECT_TRUE(
             (*county)
                 ->author(Scenario::received("430102-x", "XK-COUNTY", "430102", "430102"), s.now())
                 .ok());
         auto ok = (*county)->author(Scenario::event("430102-x", T::kAccepted), s.now());
         EXPECT_TRUE(ok.ok()) << ok.error().message;
       }},
  };
  return all;
}

class ScenarioTest : public ::testing::TestWithParam<Spec> {};

TEST_P(ScenarioTest, Holds) {
  Scenario s;
  GetParam().run(s);
}

INSTANTIATE_TEST_SUITE_P(Rules, ScenarioTest, ::testing::ValuesIn(specs()),
                         [](const ::testing::TestParamInfo<Spec>& info) {
                           return std::string(info.param.name);
                         });

TEST(ScenarioSuite, HasAtLeastFortyNamedScenarios) { EXPECT_GE(specs().size(), 40u); }

}  // namespace
}  // namespace govbus
