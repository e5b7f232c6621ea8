// The supervision board (电子监察看板): one self-contained web page the node serves at /board.
//
// It holds no data of its own: the browser reads /v1/supervision, /v1/tree, /v1/delegations (and
// /v1/cases/{id} for a case's timeline)
// from the same API and redraws every few seconds, so what the board shows is exactly what the API
// answers. Labels are Chinese by default with English a click away (DESIGN §9). No external
// scripts or fonts: nodes run on government intranets without internet access.
#pragma once

#include <string>
#include <string_view>

namespace govbus {

std::string_view boardPageHtml();
// The board's login page; `failed` adds that the token given was wrong.
std::string loginPageHtml(bool failed);

}  // namespace govbus
