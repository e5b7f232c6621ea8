// placeholder: filled by the sync-codec work
#pragma once
