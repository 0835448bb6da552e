// i18n.js: the editor's strings in English and French. t(locale, key, ...args)
// replaces {0}, {1}, ... with args; an unknown language falls back to English.

/** STRINGS maps each key to its English and French text. @type {Record<string, [string, string]>} */
export const STRINGS = {
  untitled: ['Untitled room', 'Pièce sans nom'],
  rename: ['Rename', 'Renommer'],
  name: ['Project name', 'Nom du projet'],
  del: ['Delete', 'Supprimer'],
  delAsk: ['Delete “{0}”? This cannot be undone.', 'Supprimer « {0} » ? C’est définitif.'],
  cancel: ['Cancel', 'Annuler'],
  save: ['Save', 'Enregistrer'],
  newProject: ['New project', 'Nouveau projet'],
  create: ['Create', 'Créer'],
  newHint: ['e.g. Living room', 'ex. Salon'],
  giveName: ['Give the project a name.', 'Donnez un nom au projet.'],
  st_new: ['Not saved yet', 'Pas encore enregistré'],
  st_dirty: ['Unsaved changes', 'Modifications non enregistrées'],
  st_saving: ['Saving…', 'Enregistrement…'],
  st_saved: ['Saved', 'Enregistré'],
  st_error: ['Not saved: {0}', 'Non enregistré : {0}'],
  st_login: ['Not saved: sign in on the site to save', 'Non enregistré : connectez-vous sur le site'],
  st_conflict: ['Not saved: changed in another tab', 'Non enregistré : modifié dans un autre onglet'],
  conflict: ['This project was changed in another tab or device since you opened it.', 'Ce projet a été modifié dans un autre onglet ou appareil depuis son ouverture.'],
  gone: ['This project was deleted in another tab or device.', 'Ce projet a été supprimé dans un autre onglet ou appareil.'],
  reload: ['Load their version', 'Charger leur version'],
  overwrite: ['Keep mine (overwrite)', 'Garder la mienne (écraser)'],
  width: ['Width', 'Largeur'],
  depth: ['Depth', 'Profondeur'],
  cm: ['cm', 'cm'],
  undo: ['Undo', 'Annuler'],
  redo: ['Redo', 'Rétablir'],
  rotate: ['Rotate 90°', 'Pivoter de 90°'],
  dup: ['Duplicate', 'Dupliquer'],
  remove: ['Remove', 'Retirer'],
  zoomIn: ['Zoom in', 'Zoom avant'],
  zoomOut: ['Zoom out', 'Zoom arrière'],
  fit: ['Fit', 'Ajuster'],
  plan: ['Room plan. Drag items to move them; arrow keys nudge, R rotates, Delete removes.', 'Plan de la pièce. Glissez les éléments ; flèches : déplacer, R : pivoter, Suppr : retirer.'],
  empty: ['Add products from the catalog: click one, or drag it onto the plan.', 'Ajoutez des produits du catalogue : cliquez dessus ou glissez-les sur le plan.'],
  warnings: ['Warnings', 'Avertissements'],
  wOverlap: ['{0} overlaps {1}', '{0} chevauche {1}'],
  wOutside: ['{0} is outside the room', '{0} dépasse de la pièce'],
  wUnknown: ['{0} is no longer in the catalog', '{0} n’est plus au catalogue'],
  wMore: ['…and {0} more', '…et {0} de plus'],
  unknownProduct: ['Unknown product', 'Produit inconnu'],
  summary: ['Summary', 'Récapitulatif'],
  product: ['Product', 'Produit'],
  qty: ['Qty', 'Qté'],
  unit: ['Unit price', 'Prix unitaire'],
  total: ['Total', 'Total'],
  noItems: ['No products on the plan yet.', 'Aucun produit sur le plan.'],
  unpriced: ['{0} item(s) cannot be priced (not in the catalog).', '{0} élément(s) sans prix (hors catalogue).'],
  basket: ['Add all to basket', 'Tout ajouter au panier'],
  basketSent: ['Sent to the basket.', 'Envoyé au panier.'],
  full: ['A plan holds at most 500 items.', 'Un plan contient au plus 500 éléments.'],
  loadFailed: ['The project could not be loaded: {0}', 'Le projet n’a pas pu être chargé : {0}'],
  addTo: ['Add {0} to the plan', 'Ajouter {0} au plan'],
  item: ['{0} at {1}, {2} cm', '{0} à {1}, {2} cm'],
  scale: ['1 m', '1 m'],
};

/**
 * t is the string key in locale's language.
 * @param {string} locale
 * @param {string} key
 * @param {...(string | number)} args
 */
export function t(locale, key, ...args) {
  const pair = STRINGS[key];
  if (!pair) return key;
  const s = pair[locale.toLowerCase().startsWith('fr') ? 1 : 0];
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}
