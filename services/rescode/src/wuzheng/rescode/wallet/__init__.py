"""The wallet (电子卡包): every holder's licences, projected from ``certificate.*`` and
``dispute.case.*`` events. No call to the issuance service is ever made."""
