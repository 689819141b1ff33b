// One format for the whole project (middle tier and clients): it lives in the contract.
export { claimsChallengeHeader, parseClaimsChallenge } from '@oboe/contracts/claims-challenge'
