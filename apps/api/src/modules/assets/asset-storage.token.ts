/** The AssetStorage the assets module uses (local disk unless configured otherwise). */
export const ASSET_STORAGE = Symbol('AssetStorage');
